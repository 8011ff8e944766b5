from nnspec.spec.ops.flatten import Flatten

from ...contexts import KerasContext
from ..registry import converter


@converter(Flatten)
def flatten(node: Flatten, ctx: KerasContext) -> str:
    return f"{ctx.layer('layers.Flatten')}({ctx.x})"
