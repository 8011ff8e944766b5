"""matmul, einsum, and scaled dot-product attention written out in keras.ops."""

from __future__ import annotations

import math

from nnspec.spec.node import static_dim
from nnspec.spec.ops import linalg as L

from ...codegen_common import literal
from ...contexts import KerasContext
from ..registry import converter


@converter(L.Matmul)
def matmul(node, ctx: KerasContext) -> str:
    return f"ops.matmul({ctx.inputs[0]}, {ctx.inputs[1]})"


@converter(L.Einsum)
def einsum(node: L.Einsum, ctx: KerasContext) -> str:
    return f"ops.einsum({literal(node.equation)}, {', '.join(ctx.inputs)})"


@converter(L.ScaledDotProductAttention)
def sdpa(node: L.ScaledDotProductAttention, ctx: KerasContext) -> str:
    q, k, v = ctx.inputs[:3]
    tq, tk = ctx.in_types[:2]
    scale = (
        node.scale
        if node.scale is not None
        else 1 / math.sqrt(static_dim(tq, -1, "query features"))
    )
    scores = ctx.temp("scores")
    ctx.stmt(f"{scores} = ops.matmul({q}, ops.swapaxes({k}, -1, -2)) * {literal(scale)}")
    if node.causal:
        keep = f"ops.cast(ops.tril(ops.ones({literal((tq.shape[-2], tk.shape[-2]))})), 'bool')"
        ctx.stmt(f"{scores} = ops.where({keep}, {scores}, -float('inf'))")
    if len(ctx.inputs) == 4:
        mask = ctx.inputs[3]
        if ctx.in_types[3].dtype == "bool":
            ctx.stmt(f"{scores} = ops.where({mask}, {scores}, -float('inf'))")
        else:
            ctx.stmt(f"{scores} = {scores} + {mask}")
    return f"ops.matmul(ops.softmax({scores}, axis=-1), {v})"
