from nnspec.spec.ops.rescaling import Rescaling

from ...contexts import KerasContext
from ..registry import converter


@converter(Rescaling)
def rescaling(node: Rescaling, ctx: KerasContext) -> str:
    kwargs = {"offset": node.offset} if node.offset != 0.0 else {}
    return f"{ctx.layer('layers.Rescaling', node.scale, **kwargs)}({ctx.x})"
