"""Reshape every axis but the batch, in the channels-last (row-major) element order."""

from nnspec.spec.ops.reshape import Reshape

from ...codegen_common import literal
from ...contexts import TorchContext
from ..registry import converter


@converter(Reshape)
def reshape(node: Reshape, ctx: TorchContext) -> str:
    target = ", ".join(literal(d) for d in node.target_shape)
    batch = f"{ctx.x}.shape[0]" if -1 in node.target_shape else "-1"
    return f"{ctx.x}.reshape({batch}, {target})"
