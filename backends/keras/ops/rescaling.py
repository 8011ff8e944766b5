from nnspec.spec.ops.rescaling import Rescaling

from ..registry import converter


@converter(Rescaling)
def rescaling(node: Rescaling, ctx) -> str:
    kwargs = {"offset": node.offset} if node.offset != 0.0 else {}
    return f"{ctx.layer('layers.Rescaling', node.scale, **kwargs)}({ctx.x})"
