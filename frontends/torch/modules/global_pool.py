"""AdaptiveAvgPool/AdaptiveMaxPool to size 1 and ``x.mean(dims)`` over every axis but one
-> global_avg_pool / global_max_pool (keepdims when PyTorch keeps them). Adaptive pooling to
a size that divides the input evenly is an ordinary pooling (see pooling.py)."""

from __future__ import annotations

from nnspec.spec.ops.global_pool import (
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
)

from ...contexts import TorchNodeContext
from ..registry import from_function, from_module
from ..values import channels_last, identity, move_to_end
from ._common import ntuple

_GLOBAL = {
    ("avg", 1): GlobalAvgPool1D,
    ("avg", 2): GlobalAvgPool2D,
    ("avg", 3): GlobalAvgPool3D,
    ("max", 1): GlobalMaxPool1D,
    ("max", 2): GlobalMaxPool2D,
    ("max", 3): GlobalMaxPool3D,
}


def global_pool(ctx: TorchNodeContext, x, kind: str, keep: int, keepdims: bool):
    """Reduce every non-batch dim of ``x`` but PyTorch dim ``keep``."""
    rank = x.rank - 2
    if not 1 <= rank <= 3:
        raise ctx.refuse(f"reduces {rank} axes; the spec's global pooling takes 1 to 3")
    x = ctx.plain(x)
    perm = x.perm if x.perm[-1] == keep else move_to_end(x.perm, keep)
    if keep == 1 and perm != channels_last(x.rank) and x.perm[0] == 0:
        perm = channels_last(x.rank)
    ref = ctx.as_perm(x, perm)
    out = ctx.emit(_GLOBAL[kind, rank], [ref], keepdims=keepdims)
    if keepdims:
        return ctx.result(out, perm, nonneg=x.nonneg)
    return ctx.result(out, identity(2), nonneg=x.nonneg)


def adaptive(ctx: TorchNodeContext, kind: str, output_size):
    from .pooling import pool

    x = ctx.input()
    rank = x.rank - 2
    size = ntuple(output_size, rank)
    size = tuple(x.shape[2 + i] if s is None else s for i, s in enumerate(size))
    if all(s == 1 for s in size):
        return global_pool(ctx, x, kind, 1, keepdims=True)
    sizes = x.shape[2:]
    if tuple(sizes) == size:
        return x  # already that size
    if any(n % s for n, s in zip(sizes, size)) and rank == 2:
        from .tensor_shape import adaptive_any

        return adaptive_any(ctx, kind, x, size)
    if any(n % s for n, s in zip(sizes, size)):
        raise ctx.refuse(
            f"adaptive pooling of {tuple(sizes)} to {size} has windows of "
            "unequal sizes, which no spec pooling computes",
            hint="use an output size that divides the input size",
        )
    window = tuple(n // s for n, s in zip(sizes, size))
    return pool(ctx, x, kind, window, window, [(0, 0)] * rank)


@from_module("AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d")
def adaptive_avg_pool(m, ctx: TorchNodeContext):
    return adaptive(ctx, "avg", m.output_size)


@from_module("AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d")
def adaptive_max_pool(m, ctx: TorchNodeContext):
    if m.return_indices:
        raise ctx.refuse("return_indices=True is not supported")
    return adaptive(ctx, "max", m.output_size)


@from_function("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d")
def adaptive_avg_pool_function(ctx: TorchNodeContext):
    return adaptive(ctx, "avg", ctx.arg(1, "output_size"))


@from_function("adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d")
def adaptive_max_pool_function(ctx: TorchNodeContext):
    if ctx.arg(2, "return_indices", False):
        raise ctx.refuse("return_indices=True is not supported")
    return adaptive(ctx, "max", ctx.arg(1, "output_size"))


@from_function("mean", "amax")
def mean(ctx: TorchNodeContext):
    x = ctx.input()
    dims = ctx.arg(1, "dim", None)
    keepdims = bool(ctx.arg(2, "keepdim", False))
    if ctx.kwargs.get("dtype") is not None:
        raise ctx.refuse("dtype= is not supported")
    kind = "avg" if ctx.op == "mean" else "max"
    dims = [dims] if isinstance(dims, int) else list(dims or ())
    reduced = sorted({x.dim(d) for d in dims})
    kept = [d for d in range(x.rank) if d not in reduced and d != x.perm[0]]
    if x.perm[0] not in reduced and len(kept) == 1 and reduced and x.rank >= 3:
        return global_pool(ctx, x, kind, kept[0], keepdims)
    if ctx.arg(1, "dim", None) is None or x.perm[0] in reduced:
        raise ctx.refuse(
            f"reduces dims {tuple(dims)} of a {x.shape} tensor, the batch included; the spec "
            "reduces within samples",
            hint="give the dims within a sample: x.mean((2, 3)) on (N, C, H, W)",
        )
    from nnspec.spec.ops import reduce as R

    from .tensor_ops import reduce

    return reduce(ctx, R.Mean if kind == "avg" else R.Max, x, dims, keepdims)
