"""Elementwise tensor ops as keras.ops calls."""

from __future__ import annotations

from nnspec.spec.ops import elementwise as E

from ...codegen_common import literal
from ...contexts import KerasContext
from ..registry import converter

_UNARY = {
    "abs": "ops.abs",
    "neg": "ops.negative",
    "sign": "ops.sign",
    "exp": "ops.exp",
    "log": "ops.log",
    "log1p": "ops.log1p",
    "log2": "ops.log2",
    "log10": "ops.log10",
    "sqrt": "ops.sqrt",
    "rsqrt": "ops.rsqrt",
    "square": "ops.square",
    "reciprocal": "ops.reciprocal",
    "sin": "ops.sin",
    "cos": "ops.cos",
    "tanh": "ops.tanh",
    "erf": "ops.erf",
    "floor": "ops.floor",
    "ceil": "ops.ceil",
    "round": "ops.round",
    "log_sigmoid": "ops.log_sigmoid",
    "tanh_shrink": "ops.tanh_shrink",
    "logical_not": "ops.logical_not",
}


@converter(*E.UNARY, E.LogicalNot)
def unary(node, ctx: KerasContext) -> str:
    return f"{_UNARY[node.op]}({ctx.x})"


@converter(E.Clip)
def clip(node: E.Clip, ctx: KerasContext) -> str:
    if node.min is not None and node.max is not None:
        return f"ops.clip({ctx.x}, {literal(node.min)}, {literal(node.max)})"
    if node.min is not None:
        return f"ops.maximum({ctx.x}, {literal(node.min)})"
    return f"ops.minimum({ctx.x}, {literal(node.max)})"


@converter(E.Softplus)
def softplus(node: E.Softplus, ctx: KerasContext) -> str:
    x, b = ctx.x, node.beta
    y = f"ops.softplus({x})" if b == 1 else f"ops.softplus({x} * {literal(b)}) / {literal(b)}"
    if node.threshold is None:
        return y
    scaled = x if b == 1 else f"{x} * {literal(b)}"
    return f"ops.where({scaled} > {literal(node.threshold)}, {x}, {y})"


@converter(E.Shrink)
def shrink(node: E.Shrink, ctx: KerasContext) -> str:
    fn = "ops.hard_shrink" if node.kind == "hard" else "ops.soft_shrink"
    return f"{fn}({ctx.x}, {literal(node.lambd)})"


@converter(E.Cast)
def cast(node: E.Cast, ctx: KerasContext) -> str:
    return f"ops.cast({ctx.x}, {literal(node.dtype)})"


@converter(*E.BINARY)
def binary(node, ctx: KerasContext) -> str:
    if len(ctx.inputs) == 2:
        a, b = ctx.inputs
    else:
        s = literal(node.scalar)
        a, b = (s, ctx.x) if node.scalar_first else (ctx.x, s)
    return f"ops.{node.op}({a}, {b})"


@converter(E.Where)
def where(node: E.Where, ctx: KerasContext) -> str:
    rest = iter(ctx.inputs[1:])
    a = literal(node.a_scalar) if node.a_scalar is not None else next(rest)
    b = literal(node.b_scalar) if node.b_scalar is not None else next(rest)
    return f"ops.where({ctx.x}, {a}, {b})"
