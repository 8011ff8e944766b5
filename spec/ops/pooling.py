"""Max and average pooling over 1, 2 or 3 spatial axes, channels-last: (N, *spatial, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from ..node import ErrorSample, Int1, Int2, Int3, Node, Sample, require_rank, window_shape
from ..types import TensorType


class _Pool(Node):
    """Shared rule for the pooling ops: a window of ``pool_size`` moved by ``strides``."""

    rank: ClassVar[int]
    if TYPE_CHECKING:  # each rank's subclass declares these, with its own tuple length
        pool_size: tuple[int, ...]
        strides: tuple[int, ...] | None

    padding: Literal["valid", "same"] = Field(
        "valid", description="'same' pads as TensorFlow does: the odd extra cell goes after."
    )

    @property
    def window_strides(self) -> tuple[int, ...]:
        """``strides``, or ``pool_size`` when it is absent (Keras' default)."""
        return self.strides if self.strides is not None else self.pool_size

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, self.rank + 2)
        spatial = window_shape(
            x, self.pool_size, self.window_strides, self.padding, attr="pool_size"
        )
        return x.with_shape((x.shape[0], *spatial, x.shape[-1]))


_STRIDES = "Step of the window; absent: pool_size (Keras' default)."
_AVG = (
    " With padding 'same', the padded cells are not counted: each output is the mean of the "
    "input cells its window covers (TensorFlow and Keras; PyTorch needs "
    "count_include_pad=False)."
)


class MaxPool1D(_Pool):
    """1-D max pooling. Input (N, T, C) -> (N, T', C)."""

    rank: ClassVar[int] = 1
    op: Literal["max_pool1d"] = "max_pool1d"
    pool_size: Int1 = (2,)
    strides: Int1 | None = Field(None, description=_STRIDES)


class MaxPool2D(_Pool):
    """2-D max pooling. Input (N, H, W, C) -> (N, H', W', C)."""

    rank: ClassVar[int] = 2
    op: Literal["max_pool2d"] = "max_pool2d"
    pool_size: Int2 = (2, 2)
    strides: Int2 | None = Field(None, description=_STRIDES)


class MaxPool3D(_Pool):
    """3-D max pooling. Input (N, D, H, W, C) -> (N, D', H', W', C)."""

    rank: ClassVar[int] = 3
    op: Literal["max_pool3d"] = "max_pool3d"
    pool_size: Int3 = (2, 2, 2)
    strides: Int3 | None = Field(None, description=_STRIDES)


class AvgPool1D(_Pool):
    __doc__ = "1-D average pooling. Input (N, T, C) -> (N, T', C)." + _AVG

    rank: ClassVar[int] = 1
    op: Literal["avg_pool1d"] = "avg_pool1d"
    pool_size: Int1 = (2,)
    strides: Int1 | None = Field(None, description=_STRIDES)


class AvgPool2D(_Pool):
    __doc__ = "2-D average pooling. Input (N, H, W, C) -> (N, H', W', C)." + _AVG

    rank: ClassVar[int] = 2
    op: Literal["avg_pool2d"] = "avg_pool2d"
    pool_size: Int2 = (2, 2)
    strides: Int2 | None = Field(None, description=_STRIDES)


class AvgPool3D(_Pool):
    __doc__ = "3-D average pooling. Input (N, D, H, W, C) -> (N, D', H', W', C)." + _AVG

    rank: ClassVar[int] = 3
    op: Literal["avg_pool3d"] = "avg_pool3d"
    pool_size: Int3 = (2, 2, 2)
    strides: Int3 | None = Field(None, description=_STRIDES)


OPS = (MaxPool1D, MaxPool2D, MaxPool3D, AvgPool1D, AvgPool2D, AvgPool3D)


def samples() -> Iterable[Sample]:
    yield Sample("max_pool2d_basic", dict(op="max_pool2d", pool_size=2), inputs=[(2, 8, 8, 3)])
    yield Sample(
        "max_pool2d_same_odd",
        dict(op="max_pool2d", pool_size=3, strides=2, padding="same"),
        inputs=[(2, 7, 8, 2)],
    )
    yield Sample(
        "max_pool2d_overlap",
        dict(op="max_pool2d", pool_size=(3, 2), strides=1),
        inputs=[(2, 6, 5, 2)],
    )
    yield Sample("avg_pool2d_basic", dict(op="avg_pool2d", pool_size=2), inputs=[(2, 8, 8, 3)])
    yield Sample(
        "avg_pool2d_same_stride2",
        dict(op="avg_pool2d", pool_size=3, strides=2, padding="same"),
        inputs=[(2, 7, 8, 2)],
    )
    yield Sample(
        "avg_pool2d_same_stride1",
        dict(op="avg_pool2d", pool_size=(2, 3), strides=1, padding="same"),
        inputs=[(2, 5, 6, 2)],
    )
    yield Sample("max_pool1d_basic", dict(op="max_pool1d", pool_size=2), inputs=[(2, 9, 4)])
    yield Sample(
        "max_pool1d_same",
        dict(op="max_pool1d", pool_size=3, strides=2, padding="same"),
        inputs=[(2, 10, 3)],
    )
    yield Sample(
        "avg_pool1d_same",
        dict(op="avg_pool1d", pool_size=4, strides=3, padding="same"),
        inputs=[(2, 11, 3)],
    )
    yield Sample(
        "avg_pool1d_valid", dict(op="avg_pool1d", pool_size=3, strides=1), inputs=[(2, 8, 3)]
    )
    yield Sample("max_pool3d_basic", dict(op="max_pool3d", pool_size=2), inputs=[(2, 4, 6, 6, 2)])
    yield Sample(
        "avg_pool3d_same",
        dict(op="avg_pool3d", pool_size=(2, 3, 3), strides=2, padding="same"),
        inputs=[(2, 3, 5, 6, 2)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="max_pool2d", pool_size=5), inputs=[(2, 4, 4, 3)], match="pool_size")
    yield ErrorSample(
        dict(op="avg_pool1d", pool_size=(3,), strides=2), inputs=[(2, 2, 3)], match="pool_size"
    )
    yield ErrorSample(dict(op="max_pool2d"), inputs=[(2, 8, 3)], match="rank 4")
