"""depthwise_conv1d/2d -> ``nn.Conv{n}d(C, C * depth_multiplier, k, groups=C)``.

Keras' kernel (*k, C, dm) gives output channel c * dm + m from input channel c: reshaped to
(*k, 1, C * dm) it is a grouped kernel, transposed to PyTorch's (C * dm, 1, *k).
"""

import numpy as np

from nnspec.spec.ops.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D

from ...codegen_common import non_default, unwrap1
from .._common import channels_last, kernel_to_torch
from ..registry import converter
from .conv import CONV_DEFAULTS, padded_input


def depthwise_weight(kernel: np.ndarray) -> np.ndarray:
    """(*k, C, dm) -> PyTorch's grouped weight (C * dm, 1, *k)."""
    *k, c, dm = kernel.shape
    return kernel_to_torch(kernel.reshape(*k, 1, c * dm))


def depthwise_call(node, ctx, kernel: str, *, bias: bool, suffix: str = "") -> str:
    """The depthwise layer (weight ``ctx.params[kernel]``) called on the padded input,
    channels-first."""
    x, padding = padded_input(node, ctx)
    channels = ctx.in_types[0].shape[-1]
    weights = {"weight": depthwise_weight(ctx.params[kernel])}
    if bias:
        weights["bias"] = ctx.params["bias"]
    layer = ctx.module(
        f"nn.Conv{node.rank}d",
        channels,
        channels * node.depth_multiplier,
        kernel_size=unwrap1(node.kernel_size),
        weights=weights,
        suffix=suffix,
        **non_default(
            CONV_DEFAULTS,
            unwrap1,
            stride=node.strides,
            padding=padding,
            dilation=node.dilation_rate,
            groups=channels,
            bias=bias,
        ),
    )
    return f"{layer}({x})"


@converter(DepthwiseConv1D, DepthwiseConv2D)
def depthwise_conv(node, ctx) -> str:
    y = depthwise_call(node, ctx, "kernel", bias=node.use_bias)
    return ctx.activation(channels_last(y))
