from nnspec.spec.ops.repeat_vector import RepeatVector

from ..registry import converter


@converter(RepeatVector)
def repeat_vector(node: RepeatVector, ctx) -> str:
    return f"{ctx.layer('layers.RepeatVector', node.n)}({ctx.x})"
