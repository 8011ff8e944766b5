"""depthwise_conv1d/2d -> ``nn.Conv{n}d(C, C * depth_multiplier, k, groups=C)``.

Keras' kernel (*k, C, dm) gives output channel c * dm + m from input channel c: reshaped to
(*k, 1, C * dm) it is a grouped kernel, transposed to PyTorch's (C * dm, 1, *k).
"""

import numpy as np

from nnspec.spec.node import static_dim
from nnspec.spec.ops.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D

from ...contexts import TorchContext
from .._common import kernel_to_torch
from ..describe import Module, Op
from ..layout import channels_first
from ..registry import converter
from .conv import conv_module, padded_input


def depthwise_weight(kernel: np.ndarray) -> np.ndarray:
    """(*k, C, dm) -> PyTorch's grouped weight (C * dm, 1, *k)."""
    *k, c, dm = kernel.shape
    return kernel_to_torch(kernel.reshape(*k, 1, c * dm))


def depthwise_module(node, ctx: TorchContext, kernel: str, *, bias: bool) -> tuple[str, Module]:
    """(padded channels-first input, the depthwise layer with weight ``ctx.params[kernel]``)."""
    x, padding = padded_input(node, ctx)
    channels = static_dim(ctx.in_types[0], -1, "input channels")
    weights = {"weight": depthwise_weight(ctx.params[kernel])}
    if bias:
        weights["bias"] = ctx.params["bias"]
    cls = f"nn.Conv{node.rank}d"
    out = channels * node.depth_multiplier
    return x, conv_module(node, ctx, cls, channels, out, padding, weights, groups=channels)


@converter(DepthwiseConv1D, DepthwiseConv2D, layout=channels_first, absorbs_padding=True)
def depthwise_conv(node, ctx: TorchContext) -> Op:
    x, module = depthwise_module(node, ctx, "kernel", bias=node.use_bias)
    layer = ctx.attr()
    # the layer's fresh output, read by no backward: a ReLU may overwrite it
    return Op(ctx.activation(f"{layer}({x})", inplace=True), modules={layer: module})
