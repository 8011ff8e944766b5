"""permute / transpose / movedim: layout bookkeeping only; no spec node is emitted until an op
needs another order (then a ``permute`` node)."""

from __future__ import annotations

from ...contexts import TorchNodeContext
from ..registry import from_function
from ..values import after_permute


def _apply(ctx: TorchNodeContext, x, q):
    q = tuple(x.dim(d) for d in q)
    if sorted(q) != list(range(x.rank)):
        raise ctx.refuse(f"{q} is not a permutation of the {x.rank} dims")
    x = ctx.plain(x)
    return ctx.result(x.ref, after_permute(x.perm, q), nonneg=x.nonneg)


@from_function("permute")
def permute(ctx: TorchNodeContext):
    x = ctx.input()
    dims = ctx.args[1:] if len(ctx.args) > 1 else ctx.kwargs.get("dims")
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    return _apply(ctx, x, dims)


@from_function("transpose", "swapaxes", "swapdims")
def transpose(ctx: TorchNodeContext):
    x = ctx.input()
    a, b = x.dim(ctx.arg(1, "dim0")), x.dim(ctx.arg(2, "dim1"))
    q = list(range(x.rank))
    q[a], q[b] = q[b], q[a]
    return _apply(ctx, x, q)


@from_function("movedim", "moveaxis")
def movedim(ctx: TorchNodeContext):
    x = ctx.input()
    src, dst = ctx.arg(1, "source"), ctx.arg(2, "destination")
    src = [src] if isinstance(src, int) else list(src)
    dst = [dst] if isinstance(dst, int) else list(dst)
    src, dst = [x.dim(d) for d in src], [x.dim(d) for d in dst]
    rest = [d for d in range(x.rank) if d not in src]
    given: list[int | None] = [None] * x.rank
    for s, d in zip(src, dst):
        given[d] = s
    it = iter(rest)
    q = [v if v is not None else next(it) for v in given]
    return _apply(ctx, x, q)


@from_function("t")
def t(ctx: TorchNodeContext):
    x = ctx.input()
    return _apply(ctx, x, list(range(x.rank))[::-1])
