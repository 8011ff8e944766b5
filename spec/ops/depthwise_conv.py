"""Depthwise convolutions over 1 or 2 spatial axes, channels-last: (N, *spatial, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, PositiveInt

from ..activations import Activation
from ..node import (
    ErrorSample,
    Initializer,
    Int1,
    Int2,
    Node,
    Sample,
    Weight,
    require_rank,
    static_dim,
    window_shape,
)
from ..types import TensorType

_RULE = """

    Each input channel is convolved with its own ``depth_multiplier`` filters; output channel
    ``c * depth_multiplier + m`` comes from input channel c and filter m (a grouped convolution
    with groups = C). Strides and dilation above 1 may be combined.

    Weights: ``kernel`` (*kernel_size, C, depth_multiplier), Keras' layout (PyTorch's grouped
    weight is (C * depth_multiplier, 1, *kernel_size)); ``bias`` (C * depth_multiplier,) when
    ``use_bias``.
    """


class _DepthwiseConv(Node):
    """Shared rule for depthwise_conv1d and depthwise_conv2d."""

    rank: ClassVar[int]
    fuses_activation = True
    if TYPE_CHECKING:  # each rank's subclass declares these, with its own tuple length
        kernel_size: tuple[int, ...]
        strides: tuple[int, ...]
        dilation_rate: tuple[int, ...]

    padding: Literal["valid", "same"] = Field(
        "valid", description="'same' pads as TensorFlow does: the odd extra cell goes after."
    )
    depth_multiplier: PositiveInt = Field(1, description="Output channels per input channel.")
    activation: Activation = "linear"
    use_bias: bool = True
    depthwise_initializer: Initializer = "glorot_uniform"
    bias_initializer: Initializer = "zeros"

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, self.rank + 2)
        spatial = window_shape(x, self.kernel_size, self.strides, self.padding, self.dilation_rate)
        c = x.shape[-1]
        out = c * self.depth_multiplier if isinstance(c, int) else None
        return x.with_shape((x.shape[0], *spatial, out))

    def weights(self, x: TensorType) -> dict[str, Weight]:
        require_rank(x, self.rank + 2)
        c = static_dim(x, -1, "input channels")
        shape = (*self.kernel_size, c, self.depth_multiplier)
        w = {"kernel": Weight(shape, self.depthwise_initializer, "(*kernel_size, C, dm)")}
        if self.use_bias:
            w["bias"] = Weight((c * self.depth_multiplier,), self.bias_initializer)
        return w


class DepthwiseConv1D(_DepthwiseConv):
    __doc__ = "1-D depthwise convolution. Input (N, T, C) -> (N, T', C * depth_multiplier)." + _RULE

    rank: ClassVar[int] = 1
    op: Literal["depthwise_conv1d"] = "depthwise_conv1d"
    kernel_size: Int1
    strides: Int1 = (1,)
    dilation_rate: Int1 = (1,)


class DepthwiseConv2D(_DepthwiseConv):
    __doc__ = (
        "2-D depthwise convolution. Input (N, H, W, C) -> (N, H', W', C * depth_multiplier)."
        + _RULE
    )

    rank: ClassVar[int] = 2
    op: Literal["depthwise_conv2d"] = "depthwise_conv2d"
    kernel_size: Int2
    strides: Int2 = (1, 1)
    dilation_rate: Int2 = (1, 1)


OPS = (DepthwiseConv1D, DepthwiseConv2D)


def samples() -> Iterable[Sample]:
    yield Sample(
        "depthwise_conv2d_basic", dict(op="depthwise_conv2d", kernel_size=3), inputs=[(2, 6, 6, 3)]
    )
    yield Sample(
        "depthwise_conv2d_same_stride2",
        dict(op="depthwise_conv2d", kernel_size=3, strides=2, padding="same"),
        inputs=[(2, 7, 8, 4)],
    )
    yield Sample(
        "depthwise_conv2d_multiplier",
        dict(
            op="depthwise_conv2d",
            kernel_size=(3, 2),
            depth_multiplier=2,
            activation="relu",
            use_bias=False,
        ),
        inputs=[(2, 6, 5, 3)],
    )
    yield Sample(
        "depthwise_conv2d_dilated",
        dict(op="depthwise_conv2d", kernel_size=3, dilation_rate=2, padding="same"),
        inputs=[(2, 7, 7, 2)],
    )
    yield Sample(
        "depthwise_conv2d_even_same",
        dict(op="depthwise_conv2d", kernel_size=2, strides=2, padding="same"),
        inputs=[(2, 5, 6, 3)],
    )
    yield Sample(
        "depthwise_conv1d_basic", dict(op="depthwise_conv1d", kernel_size=3), inputs=[(2, 8, 3)]
    )
    yield Sample(
        "depthwise_conv1d_same_multiplier",
        dict(op="depthwise_conv1d", kernel_size=4, strides=2, padding="same", depth_multiplier=3),
        inputs=[(2, 9, 2)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(
        dict(op="depthwise_conv2d", kernel_size=5), inputs=[(2, 4, 4, 3)], match="kernel_size"
    )
    yield ErrorSample(
        dict(op="depthwise_conv1d", kernel_size=3), inputs=[(2, 8, 8, 3)], match="rank 3"
    )
