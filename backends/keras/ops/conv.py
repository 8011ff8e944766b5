"""conv1d/2d/3d -> ``layers.Conv{n}D``."""

from nnspec.spec.ops.conv import Conv1D, Conv2D, Conv3D

from ...codegen_common import non_default, squeeze
from ...contexts import KerasContext
from ..registry import converter

CONV_DEFAULTS = dict(
    strides=1, padding="valid", dilation_rate=1, groups=1, activation="linear", use_bias=True
)


@converter(Conv1D, Conv2D, Conv3D)
def conv(node, ctx: KerasContext) -> str:
    act, after = ctx.fused_activation()
    weights = [ctx.params["kernel"]] + ([ctx.params["bias"]] if node.use_bias else [])
    layer = ctx.layer(
        f"layers.Conv{len(node.kernel_size)}D",
        node.filters,
        squeeze(node.kernel_size),
        weights=weights,
        **non_default(
            CONV_DEFAULTS,
            strides=node.strides,
            padding=node.padding,
            dilation_rate=node.dilation_rate,
            groups=node.groups,
            activation=act,
            use_bias=node.use_bias,
        ),
    )
    return ctx.activation(f"{layer}({ctx.x})", after) if after else f"{layer}({ctx.x})"
