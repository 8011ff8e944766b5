"""Separable convolutions (depthwise, then pointwise) over 1 or 2 spatial axes, channels-last."""

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

    A depthwise convolution (each input channel with its own ``depth_multiplier`` filters,
    output channel ``c * depth_multiplier + m``), then a 1x1 convolution to ``filters``
    channels, then bias and activation. Strides, padding and dilation apply to the depthwise
    step.

    Weights: ``depthwise_kernel`` (*kernel_size, C, depth_multiplier); ``pointwise_kernel``
    (1, ..., 1, C * depth_multiplier, filters), one 1 per spatial axis; ``bias`` (filters,)
    when ``use_bias``. Keras' layouts.
    """


class _SeparableConv(Node):
    """Shared rule for separable_conv1d and separable_conv2d."""

    rank: ClassVar[int]
    fuses_activation = True
    if TYPE_CHECKING:  # each rank's subclass declares these, with its own tuple length
        kernel_size: tuple[int, ...]
        strides: tuple[int, ...]
        dilation_rate: tuple[int, ...]

    filters: PositiveInt = Field(description="Number of output channels.")
    padding: Literal["valid", "same"] = Field(
        "valid", description="'same' pads as TensorFlow does: the odd extra cell goes after."
    )
    depth_multiplier: PositiveInt = Field(
        1, description="Depthwise output channels per input channel."
    )
    activation: Activation = "linear"
    use_bias: bool = True
    depthwise_initializer: Initializer = "glorot_uniform"
    pointwise_initializer: Initializer = "glorot_uniform"
    bias_initializer: Initializer = "zeros"

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, self.rank + 2)
        spatial = window_shape(x, self.kernel_size, self.strides, self.padding, self.dilation_rate)
        return x.with_shape((x.shape[0], *spatial, self.filters))

    def weights(self, x: TensorType) -> dict[str, Weight]:
        require_rank(x, self.rank + 2)
        c = static_dim(x, -1, "input channels")
        dm = self.depth_multiplier
        w = {
            "depthwise_kernel": Weight(
                (*self.kernel_size, c, dm), self.depthwise_initializer, "(*kernel_size, C, dm)"
            ),
            "pointwise_kernel": Weight(
                (*(1,) * self.rank, c * dm, self.filters),
                self.pointwise_initializer,
                "(1, ..., C * dm, filters)",
            ),
        }
        if self.use_bias:
            w["bias"] = Weight((self.filters,), self.bias_initializer)
        return w


class SeparableConv1D(_SeparableConv):
    __doc__ = "1-D separable convolution. Input (N, T, C) -> (N, T', filters)." + _RULE

    rank: ClassVar[int] = 1
    op: Literal["separable_conv1d"] = "separable_conv1d"
    kernel_size: Int1
    strides: Int1 = (1,)
    dilation_rate: Int1 = (1,)


class SeparableConv2D(_SeparableConv):
    __doc__ = "2-D separable convolution. Input (N, H, W, C) -> (N, H', W', filters)." + _RULE

    rank: ClassVar[int] = 2
    op: Literal["separable_conv2d"] = "separable_conv2d"
    kernel_size: Int2
    strides: Int2 = (1, 1)
    dilation_rate: Int2 = (1, 1)


OPS = (SeparableConv1D, SeparableConv2D)


def samples() -> Iterable[Sample]:
    yield Sample(
        "separable_conv2d_basic",
        dict(op="separable_conv2d", filters=4, kernel_size=3),
        inputs=[(2, 6, 6, 3)],
    )
    yield Sample(
        "separable_conv2d_same_stride2",
        dict(
            op="separable_conv2d",
            filters=5,
            kernel_size=3,
            strides=2,
            padding="same",
            activation="relu",
        ),
        inputs=[(2, 7, 8, 3)],
    )
    yield Sample(
        "separable_conv2d_multiplier",
        dict(
            op="separable_conv2d", filters=4, kernel_size=(2, 3), depth_multiplier=2, use_bias=False
        ),
        inputs=[(2, 6, 5, 3)],
    )
    yield Sample(
        "separable_conv2d_dilated",
        dict(op="separable_conv2d", filters=3, kernel_size=3, dilation_rate=2, padding="same"),
        inputs=[(2, 7, 7, 2)],
    )
    yield Sample(
        "separable_conv1d_basic",
        dict(op="separable_conv1d", filters=4, kernel_size=3),
        inputs=[(2, 8, 3)],
    )
    yield Sample(
        "separable_conv1d_same_multiplier",
        dict(
            op="separable_conv1d",
            filters=2,
            kernel_size=4,
            strides=2,
            padding="same",
            depth_multiplier=2,
        ),
        inputs=[(2, 9, 3)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(
        dict(op="separable_conv2d", filters=2, kernel_size=5),
        inputs=[(2, 4, 4, 3)],
        match="kernel_size",
    )
    yield ErrorSample(
        dict(op="separable_conv1d", filters=2, kernel_size=3), inputs=[(2, 8, 8, 3)], match="rank 3"
    )
