"""PyTorch's data-movement functions -> the spec's shape and indexing ops: expand, repeat,
repeat_interleave, split / chunk / unbind, GLU (split, sigmoid, multiply), stack, flip, roll, gather, index_select, narrow,
slicing with steps, pad modes, pixel (un)shuffle, instance norm, adaptive pooling to any size,
bilinear interpolation with ``align_corners``, and ``*_like`` creation.

Ops that name dims map them to spec axes in the tensor's current layout where they can
(flip, roll, split, repeat_interleave); the others put the tensor in PyTorch's order first.
"""

from __future__ import annotations

import numpy as np

from nnspec.spec.ops import constant as K
from nnspec.spec.ops import indexing as I
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops import spatial_ops as P
from nnspec.spec.ops.activation import Activation
from nnspec.spec.ops.merge import Add, Multiply
from nnspec.spec.ops.reshape import Reshape as S_Reshape

from ...contexts import TorchNodeContext
from ..constants import as_tensor
from ..registry import from_function, from_module
from ..values import Const, Tensor, channels_last, identity
from ._common import array
from .tensor_ops import is_number, plain_order


def _sample_dim(ctx: TorchNodeContext, x: Tensor, d: int, what: str = "dim") -> int:
    d = x.dim(d)
    if d == x.perm[0]:
        raise ctx.refuse(f"{what} {d} is the batch dim; the spec acts within samples")
    return d


@from_function("expand", "expand_as", "broadcast_to")
def expand(ctx: TorchNodeContext):
    x = ctx.arg(0, "input")
    shape: tuple[int, ...] = tuple(ctx.out_shape())
    if isinstance(x, Const) and x.value is not None:
        given = np.asarray(x.value)
        value: np.ndarray = given.reshape((1,) * (len(shape) - given.ndim) + given.shape)
        target = (value.shape[0], *shape[1:])
        return Const(
            x.what,
            shape,
            value=np.broadcast_to(value, target).copy(),
            trainable=False,
            batch=value.shape[0] != shape[0],
        )
    x = ctx.tensor(x)
    if x.rank != len(shape) or x.perm[0] != 0:
        raise ctx.refuse(f"expands {x.shape} to {shape}: only size-1 dims of the same rank")
    if shape == x.shape:
        return x
    sizes = [-1 if a == b else b for a, b in zip(x.spec_shape[1:], (shape[p] for p in x.perm[1:]))]
    out = ctx.emit(S.BroadcastTo, [ctx.plain(x).ref], shape=sizes)
    return ctx.result(out, x.perm, shape=shape, dtype=x.dtype)


def batch_broadcast(ctx: TorchNodeContext, c: Const, partner: Tensor, axis_dim: int) -> Tensor:
    """A batch-expanded constant (``cls_token.expand(N, -1, -1)``) as a tensor, in
    ``partner``'s layout: the constant plus zeros shaped like a slice of ``partner``."""
    partner = ctx.plain(partner)
    n = c.value.shape[axis_dim]
    if partner.shape[axis_dim] < n:
        raise ctx.refuse(f"{c.what} is longer along dim {axis_dim} than the tensor it joins")
    axis = partner.spec_axis(axis_dim)
    part = ctx.emit(I.Slice, [partner.ref], suffix="batch_like", axes=[axis], starts=[0], stops=[n])
    zeros = ctx.emit(K.ZerosLike, [part], suffix="batch_zeros")
    const = as_tensor(
        ctx, Const(c.what, c.value.shape, value=c.value, trainable=c.trainable), partner
    )
    out = ctx.emit(Add, [zeros, const.ref], suffix="batch")
    shape = tuple(partner.shape[0] if d == 0 else s for d, s in enumerate(c.value.shape))
    return ctx.result(out, partner.perm, shape=shape, dtype=partner.dtype)


@from_function("repeat", "tile")
def repeat(ctx: TorchNodeContext):
    x = ctx.input()
    reps = (
        ctx.args[1:] if len(ctx.args) > 1 else [ctx.kwargs.get("repeats", ctx.kwargs.get("dims"))]
    )
    if len(reps) == 1 and isinstance(reps[0], (tuple, list)):
        reps = list(reps[0])
    reps = [int(r) for r in reps]
    if len(reps) != x.rank or reps[0] != 1 or x.perm[0] != 0:
        raise ctx.refuse(
            f"repeat{tuple(reps)} of {x.shape}: the batch is not repeated and no dims are added"
        )
    x = ctx.plain(x)
    spec = [reps[p] for p in x.perm[1:]]
    out = ctx.emit(S.Tile, [x.ref], repeats=spec)
    return ctx.result(out, x.perm, dtype=x.dtype)


@from_function("repeat_interleave")
def repeat_interleave(ctx: TorchNodeContext):
    x = ctx.plain(ctx.input())
    r, dim = ctx.arg(1, "repeats"), ctx.arg(2, "dim", None)
    if not isinstance(r, int) or dim is None:
        raise ctx.refuse("needs one integer repeat count and dim=")
    d = _sample_dim(ctx, x, dim)
    out = ctx.emit(S.RepeatInterleave, [x.ref], repeats=r, axis=x.spec_axis(d))
    return ctx.result(out, x.perm, dtype=x.dtype)


def _split(ctx: TorchNodeContext, x: Tensor, sizes: list[int], d: int) -> list[Tensor]:
    x = ctx.plain(x)
    d = _sample_dim(ctx, x, d)
    if len(sizes) == 1:
        return [x]
    ref = ctx.emit(S.Split, [x.ref], sizes=sizes, axis=x.spec_axis(d))
    outs = []
    for k, s in enumerate(sizes):
        shape = tuple(s if i == d else n for i, n in enumerate(x.shape))
        outs.append(ctx.result(ref if k == 0 else f"{ref}:{k}", x.perm, shape=shape, dtype=x.dtype))
    return outs


@from_function("split", "split_with_sizes")
def split(ctx: TorchNodeContext):
    x = ctx.input()
    size, dim = ctx.arg(1, "split_size_or_sections"), ctx.arg(2, "dim", 0)
    n = x.shape[x.dim(dim)]
    sizes = (
        [size] * (n // size) + ([n % size] if n % size else [])
        if isinstance(size, int)
        else list(size)
    )
    return tuple(_split(ctx, x, sizes, dim))


@from_function("chunk")
def chunk(ctx: TorchNodeContext):
    x = ctx.input()
    dim = ctx.arg(2, "dim", 0)
    sizes = [t[x.dim(dim)] for t in (m.shape for m in ctx.meta)]
    return tuple(_split(ctx, x, sizes, dim))


def _glu(ctx, x: Tensor, dim: int) -> Tensor:
    """``a * sigmoid(b)`` with ``a, b`` the two halves of ``x`` along ``dim``."""
    n = x.shape[x.dim(dim)]
    a, b = _split(ctx, x, [n // 2, n - n // 2], dim)
    gate = ctx.emit(Activation, [b.ref], suffix="gate", activation="sigmoid")
    out = ctx.emit(Multiply, [a.ref, gate], suffix="product")
    return ctx.result(out, a.perm, dtype=a.dtype)


@from_module("GLU")
def glu_module(m, ctx):
    return _glu(ctx, ctx.input(), m.dim)


@from_function("glu")
def glu(ctx):
    return _glu(ctx, ctx.input(), ctx.arg(1, "dim", -1))


@from_function("unbind")
def unbind(ctx: TorchNodeContext):
    from ._reshaping import reshape_to

    x = ctx.input()
    dim = x.dim(ctx.arg(1, "dim", 0))
    parts = _split(ctx, x, [1] * x.shape[dim], dim)
    metas, out = ctx.meta, []
    for k, p in enumerate(parts):
        ctx.meta = metas[k]  # each piece's own shape and dtype
        out.append(reshape_to(ctx, p, tuple(n for i, n in enumerate(p.shape) if i != dim)))
    ctx.meta = metas
    return tuple(out)


@from_function("stack", "hstack", "vstack")
def stack(ctx: TorchNodeContext):
    if ctx.op != "stack":
        raise ctx.refuse(f"{ctx.op} is not supported; use torch.stack or torch.cat")
    xs = [ctx.tensor(v, f"tensor {k}") for k, v in enumerate(ctx.arg(0, "tensors"))]
    d = ctx.arg(1, "dim", 0)
    rank = xs[0].rank + 1
    d = d % rank
    if d == 0 or any(x.perm[0] != 0 for x in xs):
        raise ctx.refuse("stacks along the batch dim")
    refs = [plain_order(ctx, x) for x in xs]
    out = ctx.emit(S.Stack, refs, axis=d)
    return ctx.result(out, identity(rank), dtype=xs[0].dtype)


@from_function("flip")
def flip(ctx: TorchNodeContext):
    x = ctx.plain(ctx.input())
    dims = ctx.args[1:] if len(ctx.args) > 1 else [ctx.kwargs.get("dims")]
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = list(dims[0])
    axes = [x.spec_axis(_sample_dim(ctx, x, d)) for d in dims]
    out = ctx.emit(S.Flip, [x.ref], axis=axes)
    return ctx.result(out, x.perm, dtype=x.dtype)


@from_function("roll")
def roll(ctx: TorchNodeContext):
    x = ctx.plain(ctx.input())
    shifts, dims = ctx.arg(1, "shifts"), ctx.arg(2, "dims", None)
    if dims is None:
        raise ctx.refuse("roll without dims rolls the flattened batch")
    shifts = [shifts] if isinstance(shifts, int) else list(shifts)
    dims = [dims] if isinstance(dims, int) else list(dims)
    axes = [x.spec_axis(_sample_dim(ctx, x, d)) for d in dims]
    out = ctx.emit(S.Roll, [x.ref], shift=shifts, axis=axes)
    return ctx.result(out, x.perm, dtype=x.dtype)


@from_function("gather", "take_along_dim")
def gather(ctx: TorchNodeContext):
    x = ctx.input()
    if ctx.op == "gather":
        dim, index = ctx.arg(1, "dim"), ctx.arg(2, "index")
    else:
        index, dim = ctx.arg(1, "indices"), ctx.arg(2, "dim", None)
    if dim is None:
        raise ctx.refuse("take_along_dim without dim flattens the batch")
    idx = ctx.tensor(index, "index") if isinstance(index, Tensor) else as_tensor(ctx, index)
    d = _sample_dim(ctx, x, dim)
    if ctx.op == "gather" and any(
        a != b for i, (a, b) in enumerate(zip(x.shape, idx.shape)) if i != d
    ):
        raise ctx.refuse(
            f"gather with an index of shape {idx.shape} smaller than the input {x.shape} off dim {d}"
        )
    refs = [plain_order(ctx, x), plain_order(ctx, idx) if isinstance(index, Tensor) else idx.ref]
    out = ctx.emit(I.TakeAlongAxis, refs, axis=d)
    return ctx.result(out, identity(x.rank), dtype=x.dtype)


@from_function("index_select")
def index_select(ctx: TorchNodeContext):
    x = ctx.plain(ctx.input())
    dim, index = ctx.arg(1, "dim"), ctx.arg(2, "index")
    if not (isinstance(index, Const) and index.value is not None):
        raise ctx.refuse("index_select with an index computed from the inputs (use gather)")
    d = _sample_dim(ctx, x, dim)
    out = ctx.emit(
        I.Take,
        [x.ref],
        indices=[int(i) for i in np.asarray(index.value).reshape(-1)],
        axis=x.spec_axis(d),
    )
    return ctx.result(out, x.perm, dtype=x.dtype)


@from_function("narrow")
def narrow(ctx: TorchNodeContext):
    x = ctx.plain(ctx.input())
    dim, start, length = ctx.arg(1, "dim"), ctx.arg(2, "start"), ctx.arg(3, "length")
    d = _sample_dim(ctx, x, dim)
    start = start % x.shape[d]
    out = ctx.emit(I.Slice, [x.ref], axes=[x.spec_axis(d)], starts=[start], stops=[start + length])
    return ctx.result(out, x.perm, dtype=x.dtype)


def slice_index(ctx: TorchNodeContext, x: Tensor, items: list) -> Tensor:
    """``x[...]`` with slices (any steps), integers and fixed index lists (one per dim,
    ``None`` and ``...`` already expanded); the result in PyTorch's shape."""
    from ._reshaping import reshape_to

    x = ctx.plain(x)
    axes, starts, stops, steps, takes = [], [], [], [], []
    for d, (i, n) in enumerate(zip(items, x.shape)):
        if isinstance(i, slice) and i == slice(None):
            continue
        if d == x.perm[0]:
            raise ctx.refuse(
                "indexing the batch axis is not supported (the spec works on whole batches)"
            )
        if isinstance(i, int):
            if not -n <= i < n:
                raise ctx.refuse(f"index {i} is out of range for dim {d} of size {n}")
            i = slice(i % n, i % n + 1)
        if isinstance(i, slice):
            start, stop, step = i.indices(n)
            if step < 1:
                raise ctx.refuse(f"slice step {step}: negative steps are not supported (flip)")
            if len(range(start, stop, step)) == 0:
                raise ctx.refuse(f"slice {i} of dim {d} (size {n}) is empty")
            axes.append(x.spec_axis(d))
            starts.append(start)
            stops.append(stop)
            steps.append(step)
        elif isinstance(i, (list, tuple)) and all(isinstance(v, int) for v in i):
            takes.append((d, list(i)))
        elif isinstance(i, Const) and i.value is not None and np.asarray(i.value).ndim == 1:
            takes.append((d, [int(v) for v in np.asarray(i.value)]))
        else:
            raise ctx.refuse(
                f"index {i!r} is not supported (integers, slices and fixed index lists)"
            )
    advanced = [d for d, i in enumerate(items) if isinstance(i, int) or _is_list(i)]
    if takes and advanced != list(range(advanced[0], advanced[-1] + 1)):
        raise ctx.refuse(
            "index lists (or integers) separated by a slice: PyTorch then moves the indexed "
            "dim in front of the batch"
        )
    if len(takes) > 1:
        return _paired_lists(ctx, x, items, advanced)
    ref, shape = x.ref, list(x.shape)
    if axes:
        ref = ctx.emit(
            I.Slice,
            [ref],
            axes=axes,
            starts=starts,
            stops=stops,
            steps=steps if any(s != 1 for s in steps) else None,
        )
        for a, b, e, s in zip(axes, starts, stops, steps):
            shape[x.perm[a]] = len(range(b, e, s))
    t = ctx.result(ref, x.perm, shape=tuple(shape), dtype=x.dtype, nonneg=x.nonneg)
    for d, idx in takes:
        out = ctx.emit(I.Take, [t.ref], suffix="take", indices=idx, axis=t.spec_axis(d))
        shape[d] = len(idx)
        t = ctx.result(out, t.perm, shape=tuple(shape), dtype=x.dtype, nonneg=x.nonneg)
    return reshape_to(ctx, t, ctx.out_shape())


def _is_list(i) -> bool:
    if isinstance(i, (list, tuple)):
        return True
    return isinstance(i, Const) and i.value is not None and np.asarray(i.value).ndim == 1


def _paired_lists(ctx, x: Tensor, items: list, group: list[int]) -> Tensor:
    """``x[:, [0, 2], [1, 3]]``: several index lists on adjacent dims pick elements in pairs
    (numpy's rule). Those dims merge into one (PyTorch's row-major order), and one ``take``
    picks the flat positions; other items are sliced first by an index without the lists."""
    from ._reshaping import reshape_to

    lists = []
    for d in group:
        i = items[d]
        lists.append(
            [i] if isinstance(i, int) else [int(v) for v in np.asarray(getattr(i, "value", i))]
        )
    length = max(len(v) for v in lists)
    if any(len(v) not in (1, length) for v in lists):
        raise ctx.refuse(f"index lists of lengths {[len(v) for v in lists]} do not broadcast")
    rest = [slice(None) if d in group else i for d, i in enumerate(items)]
    if any(i != slice(None) for i in rest):
        x = slice_index_plain(ctx, x, rest)
    sizes = [x.shape[d] for d in group]
    flat = np.zeros(length, np.int64)
    for d, n, v in zip(group, sizes, lists):
        if any(not -n <= j < n for j in v):
            raise ctx.refuse(f"index {v} is out of range for dim {d} of size {n}")
        flat = flat * n + np.broadcast_to(np.asarray(v) % n, length)
    ref = ctx.as_perm(x, identity(x.rank))
    merged = (*x.shape[: group[0]], int(np.prod(sizes)), *x.shape[group[-1] + 1 :])
    ref = ctx.emit(S_Reshape, [ref], suffix="pairs", target_shape=list(merged[1:]))
    out = ctx.emit(I.Take, [ref], suffix="take", indices=[int(j) for j in flat], axis=group[0])
    shape = (*merged[: group[0]], length, *merged[group[0] + 1 :])
    t = ctx.result(out, identity(len(shape)), shape=shape, dtype=x.dtype, nonneg=x.nonneg)
    return reshape_to(ctx, t, ctx.out_shape())


def slice_index_plain(ctx, x: Tensor, items: list) -> Tensor:
    """``x[items]`` with slices only (the shape follows from the slices, not the node)."""
    x = ctx.plain(x)
    axes, starts, stops, steps, shape = [], [], [], [], list(x.shape)
    for d, i in enumerate(items):
        if i == slice(None):
            continue
        start, stop, step = i.indices(x.shape[d])
        axes.append(x.spec_axis(d))
        starts.append(start)
        stops.append(stop)
        steps.append(step)
        shape[d] = len(range(start, stop, step))
    ref = ctx.emit(
        I.Slice,
        [x.ref],
        axes=axes,
        starts=starts,
        stops=stops,
        steps=steps if any(s != 1 for s in steps) else None,
    )
    return ctx.result(ref, x.perm, shape=tuple(shape), dtype=x.dtype, nonneg=x.nonneg)


def pad_modes(ctx: TorchNodeContext, x: Tensor, pad, mode: str, value) -> Tensor:
    """F.pad in any mode: pairs for the last dims first, as PyTorch lists them."""
    x = ctx.plain(x)
    pad = list(pad)
    pairs = {x.rank - 1 - k: (pad[2 * k], pad[2 * k + 1]) for k in range(len(pad) // 2)}
    if any(b < 0 or a < 0 for b, a in pairs.values()):
        raise ctx.refuse("negative padding (cropping) is not supported here")
    if any(p != (0, 0) and d == x.perm[0] for d, p in pairs.items()):
        raise ctx.refuse("pads the batch dim")
    modes = {
        "constant": "constant",
        "reflect": "reflect",
        "replicate": "replicate",
        "circular": "circular",
    }
    if mode not in modes:
        raise ctx.refuse(f"mode={mode!r} is not supported")
    spec_pairs = [list(pairs.get(p, (0, 0))) for p in x.perm[1:]]
    out = ctx.emit(S.Pad, [x.ref], pads=spec_pairs, mode=modes[mode], value=float(value or 0.0))
    return ctx.result(out, x.perm, dtype=x.dtype)


@from_module(
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
)
def pad_module(m, ctx: TorchNodeContext):
    name = type(m).__name__
    mode = (
        "reflect"
        if name.startswith("Reflection")
        else "replicate"
        if name.startswith("Replication")
        else "circular"
    )
    return pad_modes(ctx, ctx.input(), m.padding, mode, 0.0)


def _pixel(ctx: TorchNodeContext, factor: int, up: bool) -> Tensor:
    x = ctx.input()
    if x.rank != 4:
        raise ctx.refuse(f"pixel (un)shuffle of a rank-{x.rank} tensor (N, C, H, W only)")
    cls = S.DepthToSpace if up else S.SpaceToDepth
    out = ctx.emit(cls, [ctx.channels_last(x)], block_size=int(factor), mode="CRD")
    return ctx.result(out, channels_last(4), dtype=x.dtype)


@from_module("PixelShuffle")
def pixel_shuffle(m, ctx: TorchNodeContext):
    return _pixel(ctx, m.upscale_factor, True)


@from_module("PixelUnshuffle")
def pixel_unshuffle(m, ctx: TorchNodeContext):
    return _pixel(ctx, m.downscale_factor, False)


@from_function("pixel_shuffle")
def pixel_shuffle_function(ctx: TorchNodeContext):
    return _pixel(ctx, ctx.arg(1, "upscale_factor"), True)


@from_function("pixel_unshuffle")
def pixel_unshuffle_function(ctx: TorchNodeContext):
    return _pixel(ctx, ctx.arg(1, "downscale_factor"), False)


@from_module("InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d")
def instance_norm(m, ctx: TorchNodeContext):
    if m.track_running_stats:
        # at inference PyTorch normalises with the running statistics: a batch norm
        from .batch_norm import batch_norm

        return batch_norm(m, ctx)
    x = ctx.input()
    if x.rank < 3:
        raise ctx.refuse("needs (N, C, L...) input")
    params = {"gamma": array(m.weight), "beta": array(m.bias)} if m.affine else None
    out = ctx.emit(
        P.InstanceNorm,
        [ctx.channels_last(x)],
        epsilon=float(m.eps),
        affine=bool(m.affine),
        params=params,
    )
    return ctx.result(out, channels_last(x.rank))


def adaptive_any(ctx: TorchNodeContext, kind: str, x: Tensor, size) -> Tensor:
    """Adaptive pooling of (N, C, H, W) to any size (uneven windows)."""
    if x.rank != 4:
        raise ctx.refuse(f"adaptive pooling of a rank-{x.rank} tensor to uneven windows (2-D only)")
    cls = P.AdaptiveAvgPool2D if kind == "avg" else P.AdaptiveMaxPool2D
    out = ctx.emit(cls, [ctx.channels_last(x)], output_size=tuple(size))
    return ctx.result(out, channels_last(4), nonneg=x.nonneg)


def interpolate_bilinear(
    ctx: TorchNodeContext, x: Tensor, align_corners, scale, mode: str = "bilinear"
) -> Tensor:
    if x.rank != 4:
        raise ctx.refuse(f"{mode} interpolation of a tensor that is not (N, C, H, W)")
    size = tuple(ctx.out_shape()[2:])
    if scale is not None and not align_corners:
        scale = (scale, scale) if isinstance(scale, int | float) else tuple(scale)
        scale = tuple(float(s) for s in scale)
    else:
        scale = None
    out = ctx.emit(
        P.Interpolate,
        [ctx.channels_last(x)],
        size=size,
        align_corners=bool(align_corners),
        scale=scale,
        mode=mode,
    )
    return ctx.result(out, channels_last(4))


@from_function("zeros_like", "ones_like", "full_like", "new_ones", "new_full", "new_zeros")
def like(ctx: TorchNodeContext):
    x = ctx.arg(0, "input")
    if ctx.op.startswith("new_") and tuple(ctx.out_shape()) != tuple(getattr(x, "shape", ())):
        from .recurrent import zeros

        if ctx.op == "new_zeros":
            return zeros(ctx)  # an initial state made with x.new_zeros(...)
        raise ctx.refuse(f"{ctx.op} of another shape than its tensor (use *_like)")
    if isinstance(x, Const):
        from .recurrent import zeros

        return zeros(ctx) if ctx.op in ("zeros_like", "new_zeros") else ctx.tensor(x)
    x = ctx.tensor(x)
    from ..example_run import DTYPES

    dtype = DTYPES.get(ctx.meta.dtype)
    dtype = None if dtype == x.dtype else dtype
    kind = ctx.op.replace("new_", "").replace("_like", "")
    if kind == "full":
        value = ctx.arg(1, "fill_value")
        if not is_number(value):
            raise ctx.refuse("fill_value must be a number")
        out = ctx.emit(K.FullLike, [x.ref], value=value, dtype=dtype)
    else:
        out = ctx.emit(K.ZerosLike if kind == "zeros" else K.OnesLike, [x.ref], dtype=dtype)
    return ctx.result(out, x.perm, flat=x.flat, dtype=dtype or x.dtype)
