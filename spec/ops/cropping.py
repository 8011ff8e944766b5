"""Crop cells off the start and end of each spatial axis, channels-last: (N, *spatial, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from ..errors import AttrError
from ..node import ErrorSample, Node, Pairs1, Pairs2, Pairs3, Sample, require_rank
from ..types import TensorType

_DOC = (
    "(before, after) cells to remove, one pair per spatial axis. Keras' shorthands are "
    "accepted: one int for every side, or one int per axis for both its sides."
)


class _Cropping(Node):
    """Shared rule: each spatial axis loses before + after cells and must keep at least one."""

    rank: ClassVar[int]
    if TYPE_CHECKING:  # each rank's subclass declares these, with its own tuple length
        cropping: tuple[tuple[int, int], ...]

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, self.rank + 2)
        spatial = []
        for axis, (d, (before, after)) in enumerate(zip(x.shape[1:-1], self.cropping), start=1):
            if isinstance(d, int):
                if before + after >= d:
                    raise AttrError(
                        "cropping",
                        f"cropping {before} + {after} cells leaves nothing of axis {axis} "
                        f"(size {d}) of input {x}",
                    )
                d = d - before - after
            spatial.append(d if isinstance(d, int) else None)
        return x.with_shape((x.shape[0], *spatial, x.shape[-1]))


class Cropping1D(_Cropping):
    """Input (N, T, C) -> (N, T - before - after, C)."""

    rank: ClassVar[int] = 1
    op: Literal["cropping1d"] = "cropping1d"
    cropping: Pairs1 = Field(((1, 1),), description=_DOC)


class Cropping2D(_Cropping):
    """Input (N, H, W, C) -> (N, H', W', C)."""

    rank: ClassVar[int] = 2
    op: Literal["cropping2d"] = "cropping2d"
    cropping: Pairs2 = Field(((0, 0), (0, 0)), description=_DOC)


class Cropping3D(_Cropping):
    """Input (N, D, H, W, C) -> (N, D', H', W', C)."""

    rank: ClassVar[int] = 3
    op: Literal["cropping3d"] = "cropping3d"
    cropping: Pairs3 = Field(((1, 1), (1, 1), (1, 1)), description=_DOC)


OPS = (Cropping1D, Cropping2D, Cropping3D)


def samples() -> Iterable[Sample]:
    yield Sample("cropping1d", dict(op="cropping1d", cropping=(1, 2)), inputs=[(2, 8, 3)])
    yield Sample("cropping1d_int", dict(op="cropping1d", cropping=2), inputs=[(2, 8, 3)])
    yield Sample(
        "cropping2d_pairs", dict(op="cropping2d", cropping=((1, 0), (2, 1))), inputs=[(2, 6, 7, 3)]
    )
    yield Sample(
        "cropping2d_per_axis", dict(op="cropping2d", cropping=(1, 2)), inputs=[(2, 6, 7, 3)]
    )
    yield Sample(
        "cropping3d", dict(op="cropping3d", cropping=((0, 1), 1, (2, 0))), inputs=[(2, 4, 5, 6, 2)]
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="cropping1d", cropping=(2, 2)), inputs=[(2, 4, 3)], match="cropping")
    yield ErrorSample(dict(op="cropping2d", cropping=3), inputs=[(2, 8, 6, 3)], match="axis 2")
