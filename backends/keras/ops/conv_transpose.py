"""conv1d/2d/3d_transpose -> ``layers.Conv{n}DTranspose`` (the spec's kernel layout is Keras')."""

from nnspec.spec.ops.conv_transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose

from ...codegen_common import non_default, squeeze
from ...contexts import KerasContext
from ..registry import converter

DEFAULTS = dict(
    strides=1,
    padding="valid",
    output_padding=None,
    dilation_rate=1,
    activation="linear",
    use_bias=True,
)


@converter(Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)
def conv_transpose(node, ctx: KerasContext) -> str:
    act, after = ctx.fused_activation()
    weights = [ctx.params["kernel"]] + ([ctx.params["bias"]] if node.use_bias else [])
    layer = ctx.layer(
        f"layers.Conv{node.rank}DTranspose",
        node.filters,
        squeeze(node.kernel_size),
        weights=weights,
        **non_default(
            DEFAULTS,
            strides=node.strides,
            padding=node.padding,
            output_padding=node.output_padding,
            dilation_rate=node.dilation_rate,
            activation=act,
            use_bias=node.use_bias,
        ),
    )
    return ctx.activation(f"{layer}({ctx.x})", after) if after else f"{layer}({ctx.x})"
