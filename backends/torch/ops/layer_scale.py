from nnspec.spec.ops.layer_scale import LayerScale

from ..registry import converter


@converter(LayerScale)
def layer_scale(node: LayerScale, ctx) -> str:
    gamma = ctx.tensor("gamma", ctx.params["gamma"])
    return f"{ctx.x} * {gamma}"
