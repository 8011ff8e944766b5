from nnspec.spec.ops.permute import Permute

from ..registry import converter


@converter(Permute)
def permute(node: Permute, ctx) -> str:
    return f"{ctx.layer('layers.Permute', tuple(node.dims))}({ctx.x})"
