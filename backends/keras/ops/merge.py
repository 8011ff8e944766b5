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

from ...contexts import KerasContext
from ..registry import converter

_LAYERS = {
    Add: "layers.Add",
    Subtract: "layers.Subtract",
    Multiply: "layers.Multiply",
    Average: "layers.Average",
    Maximum: "layers.Maximum",
    Minimum: "layers.Minimum",
}


def _inputs(ctx: KerasContext) -> str:
    return "[" + ", ".join(ctx.inputs) + "]"


@converter(*_LAYERS)
def merge(node, ctx: KerasContext) -> str:
    return f"{ctx.layer(_LAYERS[type(node)])}({_inputs(ctx)})"


@converter(Concatenate)
def concatenate(node: Concatenate, ctx: KerasContext) -> str:
    kwargs = {"axis": node.axis} if node.axis != -1 else {}
    return f"{ctx.layer('layers.Concatenate', **kwargs)}({_inputs(ctx)})"


@converter(Dot)
def dot(node: Dot, ctx: KerasContext) -> str:
    axes = node.axes if isinstance(node.axes, int) else tuple(node.axes)
    kwargs = {"normalize": True} if node.normalize else {}
    return f"{ctx.layer('layers.Dot', axes, **kwargs)}({_inputs(ctx)})"
