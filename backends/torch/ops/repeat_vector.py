"""Repeat a (N, F) vector n times: (N, n, F), as a broadcast view."""

from nnspec.spec.ops.repeat_vector import RepeatVector

from ...codegen_common import literal
from ...contexts import TorchContext
from ..registry import converter


@converter(RepeatVector)
def repeat_vector(node: RepeatVector, ctx: TorchContext) -> str:
    return f"{ctx.x}.unsqueeze(1).expand(-1, {literal(node.n)}, -1)"
