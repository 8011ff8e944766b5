"""slice, take and take_along_axis in Keras."""

from __future__ import annotations

from nnspec.spec.errors import ConversionError
from nnspec.spec.ops import indexing as I
from nnspec.spec.ops._tensor import sample_axis

from ...codegen_common import literal
from ...contexts import KerasContext
from ..registry import converter


def slice_text(start, stop, step) -> str:
    text = (
        ("" if start is None else str(int(start))) + ":" + ("" if stop is None else str(int(stop)))
    )
    return text + (f":{int(step)}" if step != 1 else "")


@converter(I.Slice)
def slice_(node: I.Slice, ctx: KerasContext) -> str:
    rank = ctx.in_types[0].rank
    parts = [":"] * rank
    steps = node.steps or [1] * len(node.axes)
    for a, b, e, s in zip(node.axes, node.starts, node.stops, steps):
        parts[sample_axis(a, rank, "axes")] = slice_text(b, e, s)
    while parts[-1] == ":":
        parts.pop()
    return f"{ctx.x}[{', '.join(parts)}]"


@converter(I.Take)
def take(node: I.Take, ctx: KerasContext) -> str:
    x = ctx.in_types[0]
    a = sample_axis(node.axis, x.rank)
    d = x.shape[a]
    if any(i < 0 for i in node.indices):
        if not isinstance(d, int):
            raise ConversionError(
                f"node {node.name!r}: negative indices on axis {a} of unknown size", node=node.name
            )
        indices = [i % d if i < 0 else i for i in node.indices]
    else:
        indices = list(node.indices)
    return f"ops.take({ctx.x}, {literal(indices)}, axis={a})"


@converter(I.TakeAlongAxis)
def take_along_axis(node: I.TakeAlongAxis, ctx: KerasContext) -> str:
    a = sample_axis(node.axis, ctx.in_types[0].rank)
    return f"ops.take_along_axis({ctx.x}, {ctx.inputs[1]}, axis={a})"
