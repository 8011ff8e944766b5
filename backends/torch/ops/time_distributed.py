"""time_distributed: fold time into the batch axis, run the wrapped op's converter (in the
layout its own rule asks for), unfold."""

from dataclasses import replace

from nnspec.spec.ops.time_distributed import TimeDistributed
from nnspec.spec.types import TensorType

from ...contexts import TorchContext
from ..describe import Op, as_op
from ..layout import CL, convert, settle
from ..registry import converter, converter_for, layout_rule


@converter(TimeDistributed)
def time_distributed(node: TimeDistributed, ctx: TorchContext) -> Op:
    inner = node.inner()
    folded = node.folded(ctx.in_types[0])
    out_type = inner.infer(folded)
    if not isinstance(out_type, TensorType):  # the spec's rule allows one-output ops only
        raise TypeError(f"time_distributed around {inner.op!r}: more than one output")
    choice = layout_rule(inner)(inner, [folded], [CL])
    want, out = settle(choice.inputs[0], folded), settle(choice.output, out_type)
    steps = ctx.temp("steps")
    fold = f"{steps} = {convert(f'{ctx.x}.flatten(0, 1)', CL, want, folded.rank)}"
    sub = ctx.sub(inner, [steps], [folded], [out_type], (want,), out)
    op = as_op(converter_for(inner)(inner, sub))
    y = convert(op.calls[0], out, CL, out_type.rank)
    statements = (f"{fold}  # (N, T, ...) -> (N*T, ...)", *op.statements)
    return replace(op, call=f"{y}.unflatten(0, {ctx.x}.shape[:2])", statements=statements)
