"""separable_conv1d/2d -> two convolutions: a depthwise ``nn.Conv{n}d(..., groups=C)`` without
bias, then a pointwise ``nn.Conv{n}d(C * dm, filters, kernel_size=1)`` carrying the bias."""

from nnspec.spec.ops.separable_conv import SeparableConv1D, SeparableConv2D

from ...contexts import TorchContext
from .._common import kernel_to_torch
from ..describe import Module, Op
from ..layout import channels_first
from ..registry import converter
from .depthwise_conv import depthwise_module


@converter(SeparableConv1D, SeparableConv2D, layout=channels_first)
def separable_conv(node, ctx: TorchContext) -> Op:
    x, depthwise = depthwise_module(node, ctx, "depthwise_kernel", bias=False)
    pointwise = ctx.params["pointwise_kernel"]
    weights = {"weight": kernel_to_torch(pointwise)}
    kwargs = {"kernel_size": 1}
    if node.use_bias:
        weights["bias"] = ctx.params["bias"]
    else:
        kwargs["bias"] = False
    first, second = ctx.attr("depthwise"), ctx.attr("pointwise")
    modules = {
        first: depthwise,
        second: Module(
            f"nn.Conv{node.rank}d", (pointwise.shape[-2], node.filters), kwargs, weights
        ),
    }
    return Op(ctx.activation(f"{second}({first}({x}))"), modules=modules)
