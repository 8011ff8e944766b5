"""Permute the axes after the batch (a view)."""

from nnspec.spec.ops.permute import Permute

from ...codegen_common import literal
from ...contexts import TorchContext
from ..registry import converter


@converter(Permute)
def permute(node: Permute, ctx: TorchContext) -> str:
    if list(node.dims) == sorted(node.dims):
        return ctx.x
    return f"{ctx.x}.permute(0, {', '.join(literal(d) for d in node.dims)})"
