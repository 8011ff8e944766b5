"""depthwise_conv1d/2d -> ``layers.DepthwiseConv{n}D`` (the spec's kernel layout is Keras')."""

from nnspec.spec.ops.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D

from ...codegen_common import non_default, squeeze
from ...contexts import KerasContext
from ..registry import converter

DEFAULTS = dict(
    strides=1,
    padding="valid",
    depth_multiplier=1,
    dilation_rate=1,
    activation="linear",
    use_bias=True,
)


@converter(DepthwiseConv1D, DepthwiseConv2D)
def depthwise_conv(node, ctx: KerasContext) -> str:
    act, after = ctx.fused_activation()
    weights = [ctx.params["kernel"]] + ([ctx.params["bias"]] if node.use_bias else [])
    layer = ctx.layer(
        f"layers.DepthwiseConv{node.rank}D",
        squeeze(node.kernel_size),
        weights=weights,
        **non_default(
            DEFAULTS,
            strides=node.strides,
            padding=node.padding,
            depth_multiplier=node.depth_multiplier,
            dilation_rate=node.dilation_rate,
            activation=act,
            use_bias=node.use_bias,
        ),
    )
    return ctx.activation(f"{layer}({ctx.x})", after) if after else f"{layer}({ctx.x})"
