from nnspec.spec.ops.reshape import Reshape

from ...contexts import KerasContext
from ..registry import converter


@converter(Reshape)
def reshape(node: Reshape, ctx: KerasContext) -> str:
    return f"{ctx.layer('layers.Reshape', tuple(node.target_shape))}({ctx.x})"
