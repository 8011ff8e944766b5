"""time_distributed: fold time into the batch axis, run the wrapped op's converter (in the
layout its own rule asks for), unfold. A spatial op's frames stay channels-first from one
time-distributed node to the next (layout ``TF``: (N, T, C, H, W)), so a chain of them
permutes once at its start and once at its end, not around every op."""

from dataclasses import replace

from nnspec.spec.ops.time_distributed import TimeDistributed
from nnspec.spec.types import TensorType

from ...contexts import TorchContext
from ..describe import Op, as_op
from ..layout import CF, CL, TF, Choice, convert, settle
from ..registry import converter, converter_for, layout_rule


def _inner_choice(node: TimeDistributed, x, have) -> tuple:
    """(inner op, folded input type, its output type, the inner rule's choice)."""
    inner = node.inner()
    folded = node.folded(x)
    out_type = inner.infer(folded)
    if not isinstance(out_type, TensorType):  # the spec's rule allows one-output ops only
        raise TypeError(f"time_distributed around {inner.op!r}: more than one output")
    choice = layout_rule(inner)(inner, [folded], [CF if have == TF else CL])
    return inner, folded, out_type, choice


def frames(node: TimeDistributed, types, have) -> Choice:
    """Frames channels-first where the wrapped op reads (and writes) channels-first."""
    _, folded, out_type, choice = _inner_choice(node, types[0], have[0])
    reads = TF if settle(choice.inputs[0], folded) == CF else CL
    writes = TF if settle(choice.output, out_type) == CF else CL
    return Choice((reads,), writes)


@converter(TimeDistributed, layout=frames)
def time_distributed(node: TimeDistributed, ctx: TorchContext) -> Op:
    inner, folded, out_type, choice = _inner_choice(node, ctx.in_types[0], ctx.layout)
    want = CF if ctx.layout == TF else CL  # the folded frames' layout: (N*T, C, H, W) or not
    out = settle(choice.output, out_type)
    steps = ctx.temp("steps")
    fold = f"{steps} = {ctx.x}.flatten(0, 1)"
    sub = ctx.sub(inner, [steps], [folded], [out_type], (want,), out)
    op = as_op(converter_for(inner)(inner, sub))
    y = (
        op.calls[0]
        if out == CF and ctx.out_layout == TF
        else convert(op.calls[0], out, CL, out_type.rank)
    )
    statements = (f"{fold}  # (N, T, ...) -> (N*T, ...)", *op.statements)
    return replace(op, call=f"{y}.unflatten(0, {ctx.x}.shape[:2])", statements=statements)
