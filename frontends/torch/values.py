"""What a traced PyTorch value becomes during conversion, and the layout arithmetic.

A PyTorch tensor is represented by a spec tensor holding the same numbers in another axis
order: ``spec = torch_tensor.permute(perm)``. ``perm[0]`` is the PyTorch axis that holds the
batch (the spec's axis 0 is always the batch). A channels-first feature map converted by a
convolution has ``perm = (0, 2, 3, 1)``: the spec holds it channels-last. Layout changes in
PyTorch (``permute``, ``transpose``) only change ``perm``; a spec ``permute`` node is emitted
when an op needs another order than the one at hand.

Imports no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Tensor:
    """A PyTorch tensor held by the spec tensor ``ref``.

    ``shape`` is PyTorch's shape on the example inputs (batch included). ``nonneg`` records
    that every value is >= 0 (after a ReLU, a sigmoid...), which lets max pooling pad with
    zeros where PyTorch pads with -inf. ``flat``, on a rank-2 tensor made by flattening a
    permuted one, is ``(shape, perm)`` of that tensor: the spec flattened it in its own order,
    so the features are a permutation of PyTorch's; a following Linear absorbs it by
    permuting its weight rows, anything else restores PyTorch's order first.
    """

    ref: str
    shape: tuple[int, ...]
    dtype: str
    perm: tuple[int, ...]
    nonneg: bool = False
    flat: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    # A zero-padded tensor: (the tensor before padding, ((dim, (before, after)), ...)), so
    # that ``F.pad`` + a 'valid' convolution can become one 'same' convolution.
    padded: tuple[Tensor, tuple] | None = None
    # ``decoded.view(-1, V)`` of a time-major (T, N, V): (PyTorch's shape before the view, the
    # layout of the spec tensor ``ref`` holding it); see boundary.py.
    merged: tuple[tuple[int, ...], tuple[int, ...]] | None = None

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def spec_shape(self) -> tuple[int, ...]:
        return tuple(self.shape[p] for p in self.perm)

    def dim(self, d: int) -> int:
        """PyTorch dim ``d`` (negative allowed) as a non-negative index."""
        if not -self.rank <= d < self.rank:
            raise IndexError(f"dim {d} is out of range for a rank-{self.rank} tensor")
        return d % self.rank

    def spec_axis(self, d: int) -> int:
        """Where PyTorch dim ``d`` sits in the spec tensor."""
        return self.perm.index(self.dim(d))


@dataclass(frozen=True)
class Const:
    """A tensor the traced graph does not compute from its inputs: a parameter or buffer read
    in ``forward`` (``get_attr``) or a tensor created there (``torch.ones(...)``)."""

    what: str
    shape: tuple[int, ...]
    # Its value (numpy), when it does not depend on the inputs at all: a parameter, a buffer,
    # or computed from them (``self.mask[:T, :T] == 0``); such a tensor becomes a ``constant``.
    value: Any = field(default=None, compare=False, repr=False)
    trainable: bool = False
    # ``cls_token.expand(N, -1, -1)``: dim 0 is the batch, broadcast from a value with size 1.
    batch: bool = False


@dataclass(frozen=True)
class Zeros(Const):
    """``torch.zeros(...)`` made in ``forward``: accepted as an initial recurrent state."""


@dataclass
class Stack:
    """PyTorch's ``h_n`` / ``c_n`` of a recurrent layer: (layers * directions, N, H), one
    batch-major spec tensor per entry (the spec never moves the batch off axis 0)."""

    what: str
    items: list[Tensor | None]
    shape: tuple[int, ...]


def identity(rank: int) -> tuple[int, ...]:
    return tuple(range(rank))


def channels_last(rank: int) -> tuple[int, ...]:
    """(0, 2, ..., rank - 1, 1): channels-first PyTorch dims in the spec's channels-last
    order; the identity below rank 3."""
    return (0, *range(2, rank), 1) if rank >= 3 else identity(rank)


def move_to_end(perm: tuple[int, ...], d: int) -> tuple[int, ...]:
    """``perm`` with PyTorch dim ``d`` moved to the spec's last axis (others keep order)."""
    return (*(p for p in perm if p != d), d)


def permute_dims(src: tuple[int, ...], dst: tuple[int, ...]) -> list[int]:
    """The spec ``permute`` dims (1-based, batch excluded) turning layout ``src`` into
    ``dst``; both must hold the batch first."""
    return [src.index(d) for d in dst[1:]]


def after_permute(perm: tuple[int, ...], q: tuple[int, ...]) -> tuple[int, ...]:
    """The layout of ``t.permute(q)`` when ``t`` has layout ``perm`` (no data moves)."""
    inverse = [0] * len(q)
    for i, p in enumerate(q):
        inverse[p] = i
    return tuple(inverse[p] for p in perm)


def flat_order(flat: tuple[tuple[int, ...], tuple[int, ...]]) -> np.ndarray:
    """For a ``flat`` tensor: entry j is the PyTorch feature index of spec feature j."""
    shape, perm = flat
    index = np.arange(int(np.prod(shape[1:]))).reshape(shape[1:])
    return index.transpose([p - 1 for p in perm[1:]]).reshape(-1)
