"""time_distributed: fold time into the batch axis, run the wrapped op's converter, unfold."""

from nnspec.spec.ops.time_distributed import TimeDistributed

from ..registry import converter, converter_for


@converter(TimeDistributed)
def time_distributed(node: TimeDistributed, ctx) -> str:
    inner = node.inner()
    x, folded = ctx.x, node.folded(ctx.in_types[0])
    steps = ctx.temp("steps")
    ctx.stmt(f"{steps} = {x}.flatten(0, 1)  # (N, T, ...) -> (N*T, ...)")
    sub = type(ctx)(ctx._gen, inner, [steps], [folded], [inner.infer(folded)], ctx.params)
    expr = converter_for(inner)(inner, sub)
    return f"{expr}.unflatten(0, {x}.shape[:2])"
