"""Global max and average pooling over all spatial axes, channels-last: (N, *spatial, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from pydantic import Field

from ..node import ErrorSample, Node, Sample, require_rank
from ..types import TensorType


class _GlobalPool(Node):
    """Shared rule: reduce every spatial axis. (N, *spatial, C) -> (N, C)."""

    rank: ClassVar[int]

    keepdims: bool = Field(
        False, description="Keep the spatial axes with size 1: (N, 1, ..., 1, C)."
    )

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, self.rank + 2)
        if self.keepdims:
            return x.with_shape((x.shape[0], *(1,) * self.rank, x.shape[-1]))
        return x.with_shape((x.shape[0], x.shape[-1]))


class GlobalMaxPool1D(_GlobalPool):
    """Maximum over time. Input (N, T, C) -> (N, C)."""

    rank: ClassVar[int] = 1
    op: Literal["global_max_pool1d"] = "global_max_pool1d"


class GlobalMaxPool2D(_GlobalPool):
    """Maximum over height and width. Input (N, H, W, C) -> (N, C)."""

    rank: ClassVar[int] = 2
    op: Literal["global_max_pool2d"] = "global_max_pool2d"


class GlobalMaxPool3D(_GlobalPool):
    """Maximum over the three spatial axes. Input (N, D, H, W, C) -> (N, C)."""

    rank: ClassVar[int] = 3
    op: Literal["global_max_pool3d"] = "global_max_pool3d"


class GlobalAvgPool1D(_GlobalPool):
    """Mean over time. Input (N, T, C) -> (N, C).

    When the input carries a mask (from ``embedding`` with ``mask_zero``), Keras averages
    the unmasked steps only; backends must do the same.
    """

    rank: ClassVar[int] = 1
    op: Literal["global_avg_pool1d"] = "global_avg_pool1d"


class GlobalAvgPool2D(_GlobalPool):
    """Mean over height and width. Input (N, H, W, C) -> (N, C)."""

    rank: ClassVar[int] = 2
    op: Literal["global_avg_pool2d"] = "global_avg_pool2d"


class GlobalAvgPool3D(_GlobalPool):
    """Mean over the three spatial axes. Input (N, D, H, W, C) -> (N, C)."""

    rank: ClassVar[int] = 3
    op: Literal["global_avg_pool3d"] = "global_avg_pool3d"


OPS = (
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
)


def samples() -> Iterable[Sample]:
    for tag, shape in (
        ("global_max_pool1d", (2, 7, 3)),
        ("global_avg_pool1d", (2, 7, 3)),
        ("global_max_pool2d", (2, 5, 6, 3)),
        ("global_avg_pool2d", (2, 5, 6, 3)),
        ("global_max_pool3d", (2, 3, 4, 5, 2)),
        ("global_avg_pool3d", (2, 3, 4, 5, 2)),
    ):
        yield Sample(tag, dict(op=tag), inputs=[shape])
    yield Sample(
        "global_avg_pool2d_keepdims",
        dict(op="global_avg_pool2d", keepdims=True),
        inputs=[(2, 5, 6, 3)],
    )
    yield Sample(
        "global_max_pool1d_keepdims",
        dict(op="global_max_pool1d", keepdims=True),
        inputs=[(2, 7, 3)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="global_avg_pool2d"), inputs=[(2, 7, 3)], match="rank 4")
