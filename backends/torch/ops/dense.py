from nnspec.spec.ops.dense import Dense

from ..registry import converter


@converter(Dense)
def dense(node: Dense, ctx) -> str:
    weights = {"weight": ctx.params["kernel"].T}
    if node.use_bias:
        weights["bias"] = ctx.params["bias"]
    features = ctx.in_types[0].shape[-1]
    bias = {} if node.use_bias else {"bias": False}
    layer = ctx.module("nn.Linear", features, node.units, **bias, weights=weights)
    return ctx.activation(f"{layer}({ctx.x})")
