"""Pad each spatial axis with zeros at its start and end, channels-last: (N, *spatial, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from ..node import ErrorSample, Node, Pairs1, Pairs2, Pairs3, Sample, require_rank
from ..types import TensorType

_DOC = (
    "(before, after) zero cells to add, one pair per spatial axis. Keras' shorthands are "
    "accepted: one int for every side, or one int per axis for both its sides."
)


class _ZeroPadding(Node):
    """Shared rule: each spatial axis gains before + after cells."""

    rank: ClassVar[int]
    if TYPE_CHECKING:  # each rank's subclass declares these, with its own tuple length
        padding: tuple[tuple[int, int], ...]

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, self.rank + 2)
        spatial = [
            d + before + after if isinstance(d, int) else None
            for d, (before, after) in zip(x.shape[1:-1], self.padding)
        ]
        return x.with_shape((x.shape[0], *spatial, x.shape[-1]))


class ZeroPadding1D(_ZeroPadding):
    """Input (N, T, C) -> (N, before + T + after, C)."""

    rank: ClassVar[int] = 1
    op: Literal["zero_padding1d"] = "zero_padding1d"
    padding: Pairs1 = Field(((1, 1),), description=_DOC)


class ZeroPadding2D(_ZeroPadding):
    """Input (N, H, W, C) -> (N, H', W', C)."""

    rank: ClassVar[int] = 2
    op: Literal["zero_padding2d"] = "zero_padding2d"
    padding: Pairs2 = Field(((1, 1), (1, 1)), description=_DOC)


class ZeroPadding3D(_ZeroPadding):
    """Input (N, D, H, W, C) -> (N, D', H', W', C)."""

    rank: ClassVar[int] = 3
    op: Literal["zero_padding3d"] = "zero_padding3d"
    padding: Pairs3 = Field(((1, 1), (1, 1), (1, 1)), description=_DOC)


OPS = (ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)


def samples() -> Iterable[Sample]:
    yield Sample("zero_padding1d", dict(op="zero_padding1d", padding=(1, 2)), inputs=[(2, 5, 3)])
    yield Sample("zero_padding1d_int", dict(op="zero_padding1d", padding=2), inputs=[(2, 5, 3)])
    yield Sample("zero_padding2d_default", dict(op="zero_padding2d"), inputs=[(2, 4, 5, 3)])
    yield Sample(
        "zero_padding2d_pairs",
        dict(op="zero_padding2d", padding=((0, 1), (2, 0))),
        inputs=[(2, 4, 5, 3)],
    )
    yield Sample(
        "zero_padding2d_per_axis", dict(op="zero_padding2d", padding=(1, 2)), inputs=[(2, 4, 5, 3)]
    )
    yield Sample(
        "zero_padding3d",
        dict(op="zero_padding3d", padding=((1, 0), 1, (0, 2))),
        inputs=[(2, 3, 4, 5, 2)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="zero_padding2d"), inputs=[(2, 5, 3)], match="rank 4")
