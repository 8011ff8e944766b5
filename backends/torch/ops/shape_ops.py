"""Shape and data-movement tensor ops as torch expressions (channels-last tensors)."""

from __future__ import annotations

from nnspec.spec.node import static_dim
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops._tensor import sample_axes, sample_axis
from nnspec.spec.types import Dim

from ...codegen_common import literal
from ._canonical import Canonical, canonical


@canonical(S.Squeeze)
def squeeze(node: S.Squeeze, c: Canonical) -> str:
    if node.axis is None:
        axes = tuple(i for i, d in enumerate(c.types[0].shape) if i > 0 and d == 1)
    else:
        axes = sample_axes(node.axis, c.rank)
    return f"torch.squeeze({c.x}, {literal(axes[0] if len(axes) == 1 else axes)})"


@canonical(S.ExpandDims)
def expand_dims(node: S.ExpandDims, c: Canonical) -> str:
    return f"{c.x}.unsqueeze({sample_axis(node.axis, c.rank + 1)})"


@canonical(S.BroadcastTo)
def broadcast_to(node: S.BroadcastTo, c: Canonical) -> str:
    return f"{c.x}.expand({literal((-1, *node.shape))})"


@canonical(S.Tile)
def tile(node: S.Tile, c: Canonical) -> str:
    return f"{c.x}.repeat({literal((1, *node.repeats))})"


@canonical(S.RepeatInterleave)
def repeat_interleave(node: S.RepeatInterleave, c: Canonical) -> str:
    return f"{c.x}.repeat_interleave({node.repeats}, dim={sample_axis(node.axis, c.rank)})"


@canonical(S.Split)
def split(node: S.Split, c: Canonical) -> str:
    return f"torch.split({c.x}, {literal(list(node.sizes))}, dim={sample_axis(node.axis, c.rank)})"


@canonical(S.Stack)
def stack(node: S.Stack, c: Canonical) -> str:
    return f"torch.stack([{', '.join(c.inputs)}], dim={sample_axis(node.axis, c.rank + 1)})"


@canonical(S.Flip)
def flip(node: S.Flip, c: Canonical) -> str:
    return f"torch.flip({c.x}, {literal(sample_axes(node.axis, c.rank))})"


@canonical(S.Roll)
def roll(node: S.Roll, c: Canonical) -> str:
    axes = tuple(sample_axis(a, c.rank) for a in node.axis)
    return f"torch.roll({c.x}, {literal(tuple(node.shift))}, {literal(axes)})"


@canonical(S.Pad)
def pad(node: S.Pad, c: Canonical) -> str:
    pairs = [tuple(p) for p in node.pads]
    while len(pairs) > 1 and pairs[0] == (0, 0) and node.mode == "constant":
        pairs.pop(0)  # F.pad lists the last axis first: leading unpadded axes need no entry
    flat = tuple(v for p in reversed(pairs) for v in p)
    args = [c.x, literal(flat)]
    if node.mode != "constant":
        args.append(literal(node.mode))
    elif node.value != 0:
        args.append(f"value={literal(node.value)}")
    return f"F.pad({', '.join(args)})"


def _block(node: S.DepthToSpace | S.SpaceToDepth, c: Canonical) -> tuple[int, Dim, Dim, int]:
    _, h, w, _ = c.types[0].shape
    return node.block_size, h, w, static_dim(c.types[0], 3, "input channels")


@canonical(S.DepthToSpace)
def depth_to_space(node: S.DepthToSpace, c: Canonical) -> str:
    b, _, _, ch = _block(node, c)
    out = ch // (b * b)
    if node.mode == "DCR":  # channel (i * b + j) * C + c
        split, order = (b, b, out), (0, 1, 3, 2, 4, 5)
    else:  # channel c * b * b + i * b + j (PixelShuffle)
        split, order = (out, b, b), (0, 1, 4, 2, 5, 3)
    return (
        f"{c.x}.unflatten(-1, {literal(split)}).permute{literal(order)}.flatten(1, 2).flatten(2, 3)"
    )


@canonical(S.SpaceToDepth)
def space_to_depth(node: S.SpaceToDepth, c: Canonical) -> str:
    b, _, _, _ = _block(node, c)
    h, w = (static_dim(c.types[0], a, "input size") for a in (1, 2))
    order = (0, 1, 3, 2, 4, 5) if node.mode == "DCR" else (0, 1, 3, 5, 2, 4)
    return (
        f"{c.x}.unflatten(1, {literal((h // b, b))}).unflatten(3, {literal((w // b, b))})"
        f".permute{literal(order)}.flatten(3)"
    )
