"""Merging tensors: elementwise ops broadcast as Keras' merge layers do, in whatever layout
their inputs share; concatenate along the spec's axis where it is in that layout; dot as an
einsum of channels-last tensors. Many inputs are summed as one stacked reduction, so a
10,000-input add is no 10,000-term expression (which Python's compiler cannot nest)."""

import string

from nnspec.spec.node import normalize_axis
from nnspec.spec.ops.merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)

from ...codegen_common import literal
from ...contexts import TorchContext
from ..layout import elementwise
from ..registry import converter

MANY = 8  # above this many inputs: one torch.stack reduction instead of a chain of operators


def _stacked(inputs: list[str], reduce: str) -> str:
    return f"torch.stack([{', '.join(inputs)}]).{reduce}(dim=0)"


@converter(Add, Subtract, Multiply, Average, layout=elementwise)
def merge(node, ctx: TorchContext) -> str:
    if isinstance(node, Subtract):
        return f"{ctx.inputs[0]} - {ctx.inputs[1]}"
    same_shape = len({t.shape for t in ctx.in_types}) == 1
    if len(ctx.inputs) > MANY and same_shape:
        reduce = {Add: "sum", Multiply: "prod", Average: "mean"}[type(node)]
        return _stacked(ctx.inputs, reduce)
    if isinstance(node, Multiply):
        return " * ".join(ctx.inputs)
    total = " + ".join(ctx.inputs)
    if isinstance(node, Average):
        return f"({total}) / {len(ctx.inputs)}"
    return total


@converter(Maximum, Minimum, layout=elementwise)
def extremum(node, ctx: TorchContext) -> str:
    if len(ctx.inputs) > MANY and len({t.shape for t in ctx.in_types}) == 1:
        return _stacked(ctx.inputs, "amax" if isinstance(node, Maximum) else "amin")
    fn = "torch.maximum" if isinstance(node, Maximum) else "torch.minimum"
    y = ctx.inputs[0]
    for x in ctx.inputs[1:]:
        y = f"{fn}({y}, {x})"
    return y


@converter(Concatenate, layout=elementwise)
def concatenate(node: Concatenate, ctx: TorchContext) -> str:
    return f"torch.cat([{', '.join(ctx.inputs)}], dim={literal(ctx.dim(node.axis))})"


@converter(Dot)
def dot(node: Dot, ctx: TorchContext) -> str:
    x, y = ctx.inputs
    tx, ty = ctx.in_types
    pair = (node.axes, node.axes) if isinstance(node.axes, int) else tuple(node.axes)
    ax, ay = normalize_axis(pair[0], tx.rank), normalize_axis(pair[1], ty.rank)
    if node.normalize:  # Keras floors the norm at its epsilon, 1e-7
        x = f"F.normalize({x}, dim={literal(ax)}, eps=1e-07)"
        y = f"F.normalize({y}, dim={literal(ay)}, eps=1e-07)"
    free = iter(c for c in string.ascii_lowercase if c not in "bk")
    sx = "b" + "".join("k" if i == ax else next(free) for i in range(1, tx.rank))
    sy = "b" + "".join("k" if i == ay else next(free) for i in range(1, ty.rank))
    out = sx.replace("k", "") + sy[1:].replace("k", "")
    expr = f"torch.einsum({literal(f'{sx},{sy}->{out}')}, {x}, {y})"
    return f"{expr}.unsqueeze(1)" if out == "b" else expr
