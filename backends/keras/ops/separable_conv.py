"""separable_conv1d/2d -> ``layers.SeparableConv{n}D`` (the spec's kernel layouts are Keras')."""

from nnspec.spec.ops.separable_conv import SeparableConv1D, SeparableConv2D

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


@converter(SeparableConv1D, SeparableConv2D)
def separable_conv(node, ctx: KerasContext) -> str:
    act, after = ctx.fused_activation()
    weights = [ctx.params["depthwise_kernel"], ctx.params["pointwise_kernel"]]
    if node.use_bias:
        weights.append(ctx.params["bias"])
    layer = ctx.layer(
        f"layers.SeparableConv{node.rank}D",
        node.filters,
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
