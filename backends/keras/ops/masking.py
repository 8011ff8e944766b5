from nnspec.spec.ops.masking import Masking
from nnspec.spec.types import TensorType

from ...codegen_common import literal
from ...contexts import KerasContext
from ..registry import converter


def mask_expr(source: str, source_type: TensorType, value: float, ctx: KerasContext) -> str:
    """The (N, T) boolean step mask Keras derives from a mask source (spec/ops/masking.py),
    written as the keras.ops calls Keras itself records for Masking / Embedding(mask_zero),
    each named after the node."""
    if source_type.dtype == "bool":
        return source
    if source_type.dtype.startswith("int") and float(value).is_integer():
        value = int(value)
    named = ctx.helper("named")
    test = f"{named}(ops.not_equal({source}, {literal(value)}), {literal(ctx.op_name('mask'))})"
    if source_type.rank == 2:
        return test
    return f"{named}(ops.any({test}, axis=-1), {literal(ctx.op_name('mask_any'))})"


@converter(Masking)
def masking(node: Masking, ctx: KerasContext) -> str:
    kwargs = {"mask_value": float(node.mask_value)} if node.mask_value != 0.0 else {}
    return f"{ctx.layer('layers.Masking', **kwargs)}({ctx.x})"
