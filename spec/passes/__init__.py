"""Optimizer passes. Each is a function ``Model -> Model`` that returns a new Model (with a
new ``params`` dict) and never changes its input, so every pass can be tested on its own.

``PASSES`` lists them by name; ``DEFAULT_PASSES`` is the order :func:`optimize` runs:
identities go first (a dropout between a conv and its batch norm would block folding),
batch norms fold before activations fuse (folding needs a linear activation), and dead
nodes go last. ``split_activation`` undoes ``fuse_activation`` and runs only on request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ..errors import SpecError
from .dead_nodes import dead_nodes
from .fold_batch_norm import fold_batch_norm
from .fuse_activation import fuse_activation, split_activation
from .identities import identities

if TYPE_CHECKING:
    from ..model import Model

Pass = Callable[["Model"], "Model"]

PASSES: dict[str, Pass] = {
    "identities": identities,
    "fold_batch_norm": fold_batch_norm,
    "fuse_activation": fuse_activation,
    "dead_nodes": dead_nodes,
    "split_activation": split_activation,
}

DEFAULT_PASSES: tuple[str, ...] = ("identities", "fold_batch_norm", "fuse_activation", "dead_nodes")


def resolve_passes(names: Iterable[str] | None) -> list[Pass]:
    """Pass functions by name (the defaults for None); unknown names are a SpecError."""
    names = list(DEFAULT_PASSES if names is None else names)
    unknown = [n for n in names if n not in PASSES]
    if unknown:
        raise SpecError(f"unknown pass {unknown[0]!r}", hint=f"known passes: {', '.join(PASSES)}")
    return [PASSES[n] for n in names]


def optimize(model: Model, passes: Iterable[str] | None = None) -> Model:
    """Run ``passes`` (names, in order; default :data:`DEFAULT_PASSES`) on a valid model."""
    model.check()
    for run in resolve_passes(passes):
        model = run(model)
    return model


__all__ = [
    "DEFAULT_PASSES",
    "PASSES",
    "dead_nodes",
    "fold_batch_norm",
    "fuse_activation",
    "identities",
    "optimize",
    "resolve_passes",
    "split_activation",
]
