from nnspec.spec.ops.unit_norm import UnitNorm

from ...codegen_common import non_default
from ...contexts import KerasContext
from ..registry import converter


@converter(UnitNorm)
def unit_norm(node: UnitNorm, ctx: KerasContext) -> str:
    kwargs = non_default(dict(axis=-1), axis=node.axis)
    return f"{ctx.layer('layers.UnitNormalization', **kwargs)}({ctx.x})"
