from nnspec.spec.ops.conv import Conv1D, Conv2D, Conv3D

from .._common import channels_first, channels_last, conv_padding, kernel_to_torch
from ..codegen import literal
from ..registry import converter


@converter(Conv1D, Conv2D, Conv3D)
def conv(node, ctx) -> str:
    x = channels_first(ctx.x)
    padding, explicit, dynamic = conv_padding(node, ctx.in_types[0])
    if explicit:
        x = f"F.pad({x}, {literal(explicit)})"
    elif dynamic:
        args = ", ".join(literal(v) for v in (node.kernel_size, node.strides, node.dilation_rate))
        x = f"{ctx.helper('same_pad')}({x}, {args})"
    weights = {"weight": kernel_to_torch(ctx.params["kernel"])}
    if node.use_bias:
        weights["bias"] = ctx.params["bias"]
    layer = ctx.module(
        f"nn.Conv{len(node.kernel_size)}d",
        ctx.in_types[0].shape[-1],
        node.filters,
        kernel_size=node.kernel_size,
        stride=node.strides,
        padding=padding,
        dilation=node.dilation_rate,
        groups=node.groups,
        bias=node.use_bias,
        weights=weights,
    )
    return ctx.activation(channels_last(f"{layer}({x})"))
