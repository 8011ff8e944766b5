"""Reductions as keras.ops calls (variance corrected by n / (n - correction))."""

from __future__ import annotations

import math

from nnspec.spec.node import static_dim
from nnspec.spec.ops import reduce as R
from nnspec.spec.ops._tensor import sample_axes, sample_axis

from ...codegen_common import literal
from ...contexts import KerasContext
from ..registry import converter


def _axis(node, ctx: KerasContext):
    axes = sample_axes(node.axis, ctx.in_types[0].rank)
    return axes[0] if len(axes) == 1 else axes


def _keep(node) -> str:
    return ", keepdims=True" if node.keepdims else ""


@converter(R.Sum, R.Mean, R.Max, R.Min, R.Prod, R.Logsumexp, R.Any, R.All)
def reduce(node, ctx: KerasContext) -> str:
    return f"ops.{node.op}({ctx.x}, axis={literal(_axis(node, ctx))}{_keep(node)})"


@converter(R.Var, R.Std)
def var(node: R.Var, ctx: KerasContext) -> str:
    y = f"ops.var({ctx.x}, axis={literal(_axis(node, ctx))}{_keep(node)})"
    if node.correction:
        x = ctx.in_types[0]
        n = math.prod(static_dim(x, a, "a reduced axis") for a in sample_axes(node.axis, x.rank))
        y = f"{y} * {literal(n / (n - node.correction))}"
    return f"ops.sqrt({y})" if isinstance(node, R.Std) else y


@converter(R.Norm)
def norm(node: R.Norm, ctx: KerasContext) -> str:
    # by hand: ops.norm over two axes is a matrix norm
    axis = f"axis={literal(_axis(node, ctx))}{_keep(node)}"
    if node.ord == 1:
        return f"ops.sum(ops.abs({ctx.x}), {axis})"
    if node.ord == "inf":
        return f"ops.max(ops.abs({ctx.x}), {axis})"
    return f"ops.sqrt(ops.sum(ops.square({ctx.x}), {axis}))"


@converter(R.Argmax, R.Argmin)
def arg(node, ctx: KerasContext) -> str:
    a = sample_axis(node.axis, ctx.in_types[0].rank)
    return f"ops.cast(ops.{node.op}({ctx.x}, axis={a}{_keep(node)}), 'int64')"


@converter(R.Cumsum, R.Cumprod)
def cumsum(node: R.Cumsum, ctx: KerasContext) -> str:
    return f"ops.{node.op}({ctx.x}, axis={sample_axis(node.axis, ctx.in_types[0].rank)})"


@converter(R.Sort)
def sort(node: R.Sort, ctx: KerasContext) -> str:
    # a full top_k: Keras' top_k puts the earlier of equal elements first, a stable sort
    a = sample_axis(node.axis, ctx.in_types[0].rank)
    return _top_k(ctx, ctx.in_types[0].shape[a], a, node.descending)


@converter(R.TopK)
def top_k(node: R.TopK, ctx: KerasContext) -> str:
    return _top_k(ctx, node.k, sample_axis(node.axis, ctx.in_types[0].rank), node.largest)


def _top_k(ctx: KerasContext, k: int, a: int, largest: bool) -> str:
    """(values, int64 indices) of the k largest (or smallest) along axis ``a``."""
    rank = ctx.in_types[0].rank
    x = ctx.x if a == rank - 1 else f"ops.moveaxis({ctx.x}, {a}, -1)"
    x = x if largest else f"ops.negative({x})"
    value = "v" if largest else "ops.negative(v)"
    index = "i"
    if a != rank - 1:
        value, index = f"ops.moveaxis({value}, -1, {a})", f"ops.moveaxis(i, -1, {a})"
    return f"(lambda v, i: ({value}, ops.cast({index}, 'int64')))(*ops.top_k({x}, {k}))"
