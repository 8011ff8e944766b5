"""slice, take and take_along_axis as torch expressions."""

from __future__ import annotations

from nnspec.spec.ops import indexing as I
from nnspec.spec.ops._tensor import sample_axis

from ...codegen_common import literal
from ._canonical import Canonical, canonical


def slice_text(start, stop, step) -> str:
    text = (
        ("" if start is None else str(int(start))) + ":" + ("" if stop is None else str(int(stop)))
    )
    return text + (f":{int(step)}" if step != 1 else "")


@canonical(I.Slice)
def slice_(node: I.Slice, c: Canonical) -> str:
    parts = [":"] * c.rank
    steps = node.steps or [1] * len(node.axes)
    for a, b, e, s in zip(node.axes, node.starts, node.stops, steps):
        parts[sample_axis(a, c.rank, "axes")] = slice_text(b, e, s)
    while parts[-1] == ":":
        parts.pop()
    return f"{c.x}[{', '.join(parts)}]"


@canonical(I.Take)
def take(node: I.Take, c: Canonical) -> str:
    a = sample_axis(node.axis, c.rank)
    return f"{c.x}[{', '.join([':'] * a + [literal(list(node.indices))])}]"


@canonical(I.TakeAlongAxis)
def take_along_axis(node: I.TakeAlongAxis, c: Canonical) -> str:
    idx = c.inputs[1] if c.types[1].dtype == "int64" else f"{c.inputs[1]}.long()"
    return f"torch.take_along_dim({c.x}, {idx}, dim={sample_axis(node.axis, c.rank)})"
