from nnspec.spec.ops.masking import Masking
from nnspec.spec.types import TensorType

from ...codegen_common import literal
from ...contexts import TorchContext
from ..registry import converter


def _value(value: float, source: TensorType):
    """The mask value as it reads best against the source (``ids != 0`` for integer ids)."""
    if source.dtype.startswith("int") and float(value).is_integer():
        return int(value)
    return float(value)


def mask_expr(source: str, source_type: TensorType, value: float) -> str:
    """The (N, T) boolean step mask Keras derives from a mask source (spec/ops/masking.py)."""
    if source_type.dtype == "bool":
        return source
    test = f"({source} != {literal(_value(value, source_type))})"
    return test if source_type.rank == 2 else f"{test}.any(dim=-1)"


@converter(Masking)
def masking(node: Masking, ctx: TorchContext) -> str:
    keep = f"({ctx.x} != {literal(float(node.mask_value))}).any(dim=-1, keepdim=True)"
    return f"torch.where({keep}, {ctx.x}, 0.0)"
