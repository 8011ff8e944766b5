"""keras.ops.convert_to_tensor on a tensor of the graph (Attention's ``compute_mask`` returns
its query mask through it): the tensor itself, or a cast to the dtype asked for."""

from nnspec.spec.ops.elementwise import Cast

from ...contexts import KerasLayerContext
from .._common import operation_refusal
from ..registry import from_layer


@from_layer("ops.ConvertToTensor")
def convert_to_tensor(op, ctx: KerasLayerContext):
    if op.sparse or op.ragged:
        raise operation_refusal(op, "sparse and ragged tensors have no spec equivalent")
    (x,) = ctx.call_args
    if op.dtype is None or str(op.dtype) == str(x.dtype):
        return ctx.inputs[0]
    return ctx.node(Cast, dtype=str(op.dtype))
