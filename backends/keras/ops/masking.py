from nnspec.spec.ops.masking import Masking
from nnspec.spec.types import TensorType

from ...codegen_common import literal
from ..registry import converter


def mask_expr(source: str, source_type: TensorType, value: float) -> str:
    """The (N, T) boolean step mask Keras derives from a mask source (spec/ops/masking.py),
    written as the keras.ops calls Keras itself records for Masking / Embedding(mask_zero)."""
    if source_type.dtype == "bool":
        return source
    if source_type.dtype.startswith("int") and float(value).is_integer():
        value = int(value)
    test = f"ops.not_equal({source}, {literal(value)})"
    return test if source_type.rank == 2 else f"ops.any({test}, axis=-1)"


@converter(Masking)
def masking(node: Masking, ctx) -> str:
    kwargs = {"mask_value": float(node.mask_value)} if node.mask_value != 0.0 else {}
    return f"{ctx.layer('layers.Masking', **kwargs)}({ctx.x})"
