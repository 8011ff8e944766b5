"""Shape and data-movement tensor ops as keras.ops calls."""

from __future__ import annotations

import itertools

from nnspec.spec.node import static_dim
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops._tensor import sample_axes, sample_axis

from ...codegen_common import literal
from ...contexts import KerasContext
from ..registry import converter


def _rank(ctx: KerasContext) -> int:
    return ctx.in_types[0].rank


@converter(S.Squeeze)
def squeeze(node: S.Squeeze, ctx: KerasContext) -> str:
    if node.axis is None:
        axes = tuple(i for i, d in enumerate(ctx.in_types[0].shape) if i > 0 and d == 1)
    else:
        axes = sample_axes(node.axis, _rank(ctx))
    return f"ops.squeeze({ctx.x}, axis={literal(axes[0] if len(axes) == 1 else axes)})"


@converter(S.ExpandDims)
def expand_dims(node: S.ExpandDims, ctx: KerasContext) -> str:
    return f"ops.expand_dims({ctx.x}, {sample_axis(node.axis, _rank(ctx) + 1)})"


@converter(S.BroadcastTo)
def broadcast_to(node: S.BroadcastTo, ctx: KerasContext) -> str:
    # ops.broadcast_to needs the batch size; tiling the size-1 axes is the same
    src = ctx.in_types[0].shape[1:]
    reps = tuple(t if d == 1 and t != -1 else 1 for d, t in zip(src, node.shape))
    return f"ops.tile({ctx.x}, {literal((1, *reps))})"


@converter(S.Tile)
def tile(node: S.Tile, ctx: KerasContext) -> str:
    return f"ops.tile({ctx.x}, {literal((1, *node.repeats))})"


@converter(S.RepeatInterleave)
def repeat_interleave(node: S.RepeatInterleave, ctx: KerasContext) -> str:
    return f"ops.repeat({ctx.x}, {node.repeats}, axis={sample_axis(node.axis, _rank(ctx))})"


@converter(S.Split)
def split(node: S.Split, ctx: KerasContext) -> str:
    if len(node.sizes) == 1:
        return ctx.x
    cuts = list(itertools.accumulate(node.sizes))[:-1]
    return f"ops.split({ctx.x}, {literal(cuts)}, axis={sample_axis(node.axis, _rank(ctx))})"


@converter(S.Stack)
def stack(node: S.Stack, ctx: KerasContext) -> str:
    return f"ops.stack([{', '.join(ctx.inputs)}], axis={sample_axis(node.axis, _rank(ctx) + 1)})"


@converter(S.Flip)
def flip(node: S.Flip, ctx: KerasContext) -> str:
    y = ctx.x
    for a in sample_axes(node.axis, _rank(ctx)):
        y = f"ops.flip({y}, axis={a})"
    return y


@converter(S.Roll)
def roll(node: S.Roll, ctx: KerasContext) -> str:
    y = ctx.x
    for s, a in zip(node.shift, node.axis):
        y = f"ops.roll({y}, {s}, axis={sample_axis(a, _rank(ctx))})"
    return y


def _index(rank: int, axis: int, text: str) -> str:
    return ", ".join([":"] * axis + [text])


@converter(S.Pad)
def pad(node: S.Pad, ctx: KerasContext) -> str:
    pairs = [tuple(p) for p in node.pads]
    if node.mode in ("constant", "reflect"):
        value = f", constant_values={literal(node.value)}" if node.value != 0 else ""
        mode = f", mode={literal(node.mode)}" if node.mode != "constant" else ""
        return f"ops.pad({ctx.x}, {literal(((0, 0), *pairs))}{mode}{value})"
    # replicate / circular: edges joined on, one axis at a time (TensorFlow pads neither)
    y = ctx.x
    for axis, (b, a) in enumerate(pairs, start=1):
        if b == a == 0:
            continue
        parts = []
        if node.mode == "replicate":
            if b:
                parts.append(f"ops.repeat({y}[{_index(0, axis, '0:1')}], {b}, axis={axis})")
            parts.append(y)
            if a:
                parts.append(f"ops.repeat({y}[{_index(0, axis, '-1:')}], {a}, axis={axis})")
        else:
            if b:
                parts.append(f"{y}[{_index(0, axis, f'-{b}:')}]")
            parts.append(y)
            if a:
                parts.append(f"{y}[{_index(0, axis, f':{a}')}]")
        t = ctx.temp("pad")
        ctx.stmt(f"{t} = ops.concatenate([{', '.join(parts)}], axis={axis})")
        y = t
    return y


@converter(S.DepthToSpace)
def depth_to_space(node: S.DepthToSpace, ctx: KerasContext) -> str:
    b = node.block_size
    h, w, ch = (static_dim(ctx.in_types[0], a, "input size") for a in (1, 2, 3))
    out = ch // (b * b)
    if node.mode == "DCR":
        split, order = (b, b, out), (0, 1, 3, 2, 4, 5)
    else:
        split, order = (out, b, b), (0, 1, 4, 2, 5, 3)
    y = f"ops.reshape({ctx.x}, {literal((-1, h, w, *split))})"
    return f"ops.reshape(ops.transpose({y}, {literal(order)}), {literal((-1, h * b, w * b, out))})"


@converter(S.SpaceToDepth)
def space_to_depth(node: S.SpaceToDepth, ctx: KerasContext) -> str:
    b = node.block_size
    h, w, ch = (static_dim(ctx.in_types[0], a, "input size") for a in (1, 2, 3))
    order = (0, 1, 3, 2, 4, 5) if node.mode == "DCR" else (0, 1, 3, 5, 2, 4)
    y = f"ops.reshape({ctx.x}, {literal((-1, h // b, b, w // b, b, ch))})"
    return f"ops.reshape(ops.transpose({y}, {literal(order)}), {literal((-1, h // b, w // b, ch * b * b))})"
