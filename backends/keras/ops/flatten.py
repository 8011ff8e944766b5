from nnspec.spec.ops.flatten import Flatten

from ..registry import converter


@converter(Flatten)
def flatten(node: Flatten, ctx) -> str:
    return f"{ctx.layer('layers.Flatten')}({ctx.x})"
