from nnspec.spec.ops.conv import Conv1D, Conv2D, Conv3D

from ..registry import converter


@converter(Conv1D, Conv2D, Conv3D)
def conv(node, ctx) -> str:
    act, after = ctx.fused_activation()
    weights = [ctx.params["kernel"]] + ([ctx.params["bias"]] if node.use_bias else [])
    layer = ctx.layer(
        f"layers.Conv{len(node.kernel_size)}D",
        node.filters,
        node.kernel_size,
        strides=node.strides,
        padding=node.padding,
        dilation_rate=node.dilation_rate,
        groups=node.groups,
        activation=act,
        use_bias=node.use_bias,
        weights=weights,
    )
    return ctx.activation(f"{layer}({ctx.x})", after) if after else f"{layer}({ctx.x})"
