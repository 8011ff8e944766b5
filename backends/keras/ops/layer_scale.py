from nnspec.spec.ops.layer_scale import LayerScale

from ...contexts import KerasContext
from ..registry import converter

# One weight per channel, multiplied elementwise: Keras has no public layer named for this,
# and EinsumDense with this equation computes exactly x * gamma (a saved .keras file then
# loads without nnspec). The frontend maps it back to layer_scale.
EQUATION = "...c,c->...c"


@converter(LayerScale)
def layer_scale(node: LayerScale, ctx: KerasContext) -> str:
    channels = ctx.in_types[0].shape[-1]
    kwargs = {}
    if node.gamma_initializer != "glorot_uniform":
        kwargs["kernel_initializer"] = node.gamma_initializer
    layer = ctx.layer(
        "layers.EinsumDense",
        EQUATION,
        output_shape=(channels,),
        weights=[ctx.params["gamma"]],
        **kwargs,
    )
    return f"{layer}({ctx.x})"
