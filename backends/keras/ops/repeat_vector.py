from nnspec.spec.ops.repeat_vector import RepeatVector

from ...contexts import KerasContext
from ..registry import converter


@converter(RepeatVector)
def repeat_vector(node: RepeatVector, ctx: KerasContext) -> str:
    return f"{ctx.layer('layers.RepeatVector', node.n)}({ctx.x})"
