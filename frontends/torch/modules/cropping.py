"""Indexing: ``x[:, -1]``, ``x[..., 2:5]`` -> cropping (plus a reshape for integer indices);
``h_n[-1]`` picks one layer's state of a recurrent layer.

Slices with step 1 along non-batch dims are supported; the cropped dims are placed on the
spec's spatial axes (between batch and the last axis), with a size-1 axis appended first when
every non-batch dim is cropped.
"""

from __future__ import annotations

from nnspec.spec.ops.cropping import Cropping1D, Cropping2D, Cropping3D
from nnspec.spec.ops.reshape import Reshape

from ...contexts import TorchNodeContext
from ..registry import from_function
from ..values import Const, Stack, Tensor
from ._common import perm_with_last_free
from ._reshaping import reshape_to

_CROPPING = {1: Cropping1D, 2: Cropping2D, 3: Cropping3D}


def _per_dim(ctx: TorchNodeContext, index, rank):
    """The index as one entry (int or slice) per dim; None entries (new axes) dropped."""
    items = list(index) if isinstance(index, tuple) else [index]
    if any(i is None for i in items):
        items = [i for i in items if i is not None]  # new axes: the final reshape adds them
    if sum(i is Ellipsis for i in items) > 1:
        raise ctx.refuse("more than one Ellipsis in an index")
    if Ellipsis in items:
        k = items.index(Ellipsis)
        items[k : k + 1] = [slice(None)] * (rank - len(items) + 1)
    if len(items) > rank:
        raise ctx.refuse(f"too many indices for a rank-{rank} tensor")
    items += [slice(None)] * (rank - len(items))
    for i in items:
        if not isinstance(i, (int, slice)) or isinstance(i, bool):
            raise ctx.refuse(f"index {i!r} is not supported (integers and slices with step 1)")
    return items


def crop(ctx: TorchNodeContext, x: Tensor, index):
    x = ctx.plain(x)
    crops = {}
    for d, (i, n) in enumerate(zip(_per_dim(ctx, index, x.rank), x.shape)):
        if isinstance(i, int):
            if not -n <= i < n:
                raise ctx.refuse(f"index {i} is out of range for dim {d} of size {n}")
            start, stop = i % n, i % n + 1
        else:
            start, stop, step = i.indices(n)
            if step != 1:
                raise ctx.refuse(f"slice step {step} is not supported")
            if stop <= start:
                raise ctx.refuse(f"slice {i} of dim {d} (size {n}) is empty")
        if (start, stop) != (0, n):
            if d == x.perm[0]:
                raise ctx.refuse(
                    "indexing the batch axis is not supported (the spec works on whole batches)"
                )
            crops[d] = (start, n - stop)
    if not crops:
        return reshape_to(ctx, x, ctx.out_shape())
    ref, perm, shape = x.ref, x.perm, x.shape
    if perm[-1] in crops:
        free_perm = perm_with_last_free(x, crops)
        if free_perm is not None:
            perm = free_perm
            ref = ctx.as_perm(x, perm)
        else:  # every non-batch dim is cropped: append a size-1 axis to stay last
            spec_shape = [shape[p] for p in perm]
            ref = ctx.emit(Reshape, [ref], suffix="expand", target_shape=[*spec_shape[1:], 1])
            perm, shape = (*perm, len(shape)), (*shape, 1)
    spatial = len(perm) - 2
    if not 1 <= spatial <= 3:
        raise ctx.refuse(
            f"cropping {len(crops)} dims of a rank-{x.rank} tensor is not "
            "supported (the spec crops 1 to 3 axes)"
        )
    cropping = [crops.get(p, (0, 0)) for p in perm[1:-1]]
    out = ctx.emit(_CROPPING[spatial], [ref], cropping=cropping)
    cropped = tuple(n - sum(crops.get(d, (0, 0))) for d, n in enumerate(shape))
    t = ctx.result(out, perm, shape=cropped, nonneg=x.nonneg)
    if len(shape) > x.rank:  # drop the size-1 axis appended above
        t = reshape_to(ctx, t, cropped[:-1])
    return reshape_to(ctx, t, ctx.out_shape())


@from_function("getitem")
def getitem(ctx: TorchNodeContext):
    x, index = ctx.args[0], ctx.args[1]
    if isinstance(x, Stack):
        if isinstance(index, int):
            item = x.items[index]
            if item is None:
                raise ctx.refuse(f"{x.what}[{index}] is not computed by the spec")
            return item
        if isinstance(index, slice):
            return Stack(x.what, x.items[index], (len(x.items[index]), *x.shape[1:]))
        raise ctx.refuse(
            f"indexing {x.what} with {index!r} is not supported",
            hint="index it by layer: h_n[-1], h_n[-2]",
        )
    x = ctx.tensor(x)
    items = list(index) if isinstance(index, tuple) else [index]
    general = any(
        (isinstance(i, slice) and i.step not in (None, 1)) or isinstance(i, (list, Const))
        for i in items
    )
    if general:
        from .tensor_shape import slice_index

        return slice_index(ctx, x, _expand(ctx, items, x.rank))
    return crop(ctx, x, index)


def _expand(ctx: TorchNodeContext, items: list, rank: int) -> list:
    """One entry per dim: ``...`` spelt out, ``None`` (new axes) dropped (the final reshape
    adds them back)."""
    items = [i for i in items if i is not None]
    if sum(i is Ellipsis for i in items) > 1:
        raise ctx.refuse("more than one Ellipsis in an index")
    if Ellipsis in items:
        k = items.index(Ellipsis)
        items[k : k + 1] = [slice(None)] * (rank - len(items) + 1)
    return items + [slice(None)] * (rank - len(items))
