from nnspec.spec.ops.permute import Permute

from ...contexts import KerasContext
from ..registry import converter


@converter(Permute)
def permute(node: Permute, ctx: KerasContext) -> str:
    return f"{ctx.layer('layers.Permute', tuple(node.dims))}({ctx.x})"
