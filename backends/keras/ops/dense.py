from nnspec.spec.ops.dense import Dense

from ...codegen_common import non_default
from ...contexts import KerasContext
from ..registry import converter


@converter(Dense)
def dense(node: Dense, ctx: KerasContext) -> str:
    act, after = ctx.fused_activation()
    weights = [ctx.params["kernel"]] + ([ctx.params["bias"]] if node.use_bias else [])
    kwargs = non_default(
        dict(activation="linear", use_bias=True), activation=act, use_bias=node.use_bias
    )
    layer = ctx.layer("layers.Dense", node.units, weights=weights, **kwargs)
    return ctx.activation(f"{layer}({ctx.x})", after) if after else f"{layer}({ctx.x})"
