"""separable_conv1d/2d -> two convolutions: a depthwise ``nn.Conv{n}d(..., groups=C)`` without
bias, then a pointwise ``nn.Conv{n}d(C * dm, filters, kernel_size=1)`` carrying the bias."""

from nnspec.spec.ops.separable_conv import SeparableConv1D, SeparableConv2D

from .._common import channels_last, kernel_to_torch
from ..registry import converter
from .depthwise_conv import depthwise_call


@converter(SeparableConv1D, SeparableConv2D)
def separable_conv(node, ctx) -> str:
    y = depthwise_call(node, ctx, "depthwise_kernel", bias=False, suffix="depthwise")
    pointwise = ctx.params["pointwise_kernel"]
    weights = {"weight": kernel_to_torch(pointwise)}
    kwargs = {}
    if node.use_bias:
        weights["bias"] = ctx.params["bias"]
    else:
        kwargs["bias"] = False
    layer = ctx.module(
        f"nn.Conv{node.rank}d",
        pointwise.shape[-2],
        node.filters,
        kernel_size=1,
        weights=weights,
        suffix="pointwise",
        **kwargs,
    )
    return ctx.activation(channels_last(f"{layer}({y})"))
