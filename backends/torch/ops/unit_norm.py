"""Unit L2 norm over some axes: F.normalize (whose default floor, 1e-12, is Keras')."""

from nnspec.spec.ops.unit_norm import UnitNorm

from ...codegen_common import literal
from ...contexts import TorchContext
from ..registry import converter


@converter(UnitNorm)
def unit_norm(node: UnitNorm, ctx: TorchContext) -> str:
    axis = node.axis if isinstance(node.axis, int) else tuple(node.axis)
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    return f"F.normalize({ctx.x}, dim={literal(axis)})"
