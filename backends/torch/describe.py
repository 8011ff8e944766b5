"""What a PyTorch converter returns: a description the generator renders, never patched text.

A converter is ``fn(node, ctx) -> Op | str``. A plain string is the call expression of a
one-output op over ``ctx.inputs`` (local names, in the layouts its layout rule asked for);
returning one of the inputs unchanged makes the node an alias (no line in ``forward``).
An ``Op`` adds what to declare in ``__init__`` (``Module`` and ``Tensor`` values keyed by the
``self.<attr>`` names that ``ctx.attr`` handed out), statements to run first, the runtime
helpers it calls, and one expression per output for multi-output ops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Module:
    """``self.<attr> = cls(*args, **kwargs)`` in ``__init__``; ``weights`` are its state-dict
    entries (PyTorch layout), ``frozen`` its parameters that must not train."""

    cls: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    frozen: tuple[str, ...] = ()
    comment: str = ""


@dataclass
class Tensor:
    """A weight used by a functional expression: an ``nn.Parameter``, or a buffer."""

    value: np.ndarray
    parameter: bool = True


@dataclass
class Op:
    """A node rendered as ``targets = call`` in ``forward``, after ``statements``."""

    call: str | tuple[str, ...]
    modules: dict[str, Module] = field(default_factory=dict)
    tensors: dict[str, Tensor] = field(default_factory=dict)
    statements: tuple[str, ...] = ()
    helpers: tuple[str, ...] = ()  # names of runtime.py functions the call uses

    @property
    def calls(self) -> tuple[str, ...]:
        return (self.call,) if isinstance(self.call, str) else tuple(self.call)


def as_op(result: Op | str) -> Op:
    return Op(result) if isinstance(result, str) else result
