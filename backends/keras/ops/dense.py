from nnspec.spec.ops.dense import Dense

from ..registry import converter


@converter(Dense)
def dense(node: Dense, ctx) -> str:
    act, after = ctx.fused_activation()
    weights = [ctx.params["kernel"]] + ([ctx.params["bias"]] if node.use_bias else [])
    layer = ctx.layer(
        "layers.Dense", node.units, activation=act, use_bias=node.use_bias, weights=weights
    )
    return ctx.activation(f"{layer}({ctx.x})", after) if after else f"{layer}({ctx.x})"
