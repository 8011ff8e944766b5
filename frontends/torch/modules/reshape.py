"""view / reshape / squeeze / unsqueeze / nn.Unflatten -> reshape (or flatten, or nothing).

The target shape is the one PyTorch produced on the example inputs, so
``x.view(x.size(0), -1)`` needs no evaluation of its arguments. Three cases:

- only size-1 dims come or go (squeeze, unsqueeze, ``(N, C, 1, 1) -> (N, C)``): the spec
  reshapes in whatever layout the tensor has (size-1 axes do not change the element order);
- everything after the batch is flattened: see flatten.py (the Linear-row permutation);
- any other reshape: the tensor is put back in PyTorch's order first, then reshaped, since the
  spec reshapes its own tensor in row-major order.
"""

from __future__ import annotations

from nnspec.spec.ops.reshape import Reshape

from ..boundary import merged_view, merges_batch
from ..registry import from_function, from_module
from ..values import Stack, identity
from .flatten import flatten_from_1


def _size_one_mapping(src, dst, batch):
    """{src dim: dst dim} when ``dst`` only adds or removes size-1 dims of ``src`` (the
    batch dim kept), else None."""
    keep_src = [d for d, n in enumerate(src) if n != 1 or d == batch]
    keep_dst = [d for d, n in enumerate(dst) if n != 1]
    if src[batch] == 1:  # a batch of 1: we cannot tell which size-1 dim is the batch
        return None
    if [src[d] for d in keep_src] != [dst[d] for d in keep_dst]:
        return None
    return dict(zip(keep_src, keep_dst))


def squeeze_unsqueeze(ctx, x, shape, mapping):
    x = ctx.plain(x)
    order = [mapping[p] for p in x.perm if p in mapping]
    new = [d for d in range(len(shape)) if d not in mapping.values()]
    if 1 in new and len(shape) >= 3:  # a new channel dim (x.unsqueeze(1)) goes last
        order = order + [d for d in new if d != 1] + [1]
    elif len(order) >= 2:
        order = order[:-1] + new + order[-1:]
    else:
        order = order + new
    spec_shape = [shape[d] for d in order]
    if tuple(spec_shape) == x.spec_shape:
        ref = x.ref
    else:
        ref = ctx.emit(Reshape, [x.ref], target_shape=spec_shape[1:])
    return ctx.result(ref, tuple(order), shape=shape, nonneg=x.nonneg)


def reshape_to(ctx, x, shape):
    shape = tuple(shape)
    if shape == x.shape:
        return x
    mapping = _size_one_mapping(x.shape, shape, x.perm[0])
    if mapping is not None:
        return squeeze_unsqueeze(ctx, x, shape, mapping)
    merged = merges_batch(x, shape)
    if merged is not None:  # decoded.view(-1, ntoken) of a time-major sequence
        return merged_view(ctx, x, shape, merged)
    if x.perm[0] != 0 or not shape or shape[0] != x.shape[0]:
        raise ctx.refuse(
            f"reshapes {x.shape} to {shape}, which does not keep the batch on dim 0 (the spec "
            "reshapes each sample)",
            hint="keep the batch axis: x.view(x.size(0), ...); example inputs with a batch "
            "of 1 hide which dim is the batch, use a batch of 2",
        )
    if len(shape) == 2 and x.rank > 2:
        return flatten_from_1(ctx, x)
    ref = ctx.as_perm(x, identity(x.rank))
    out = ctx.emit(Reshape, [ref], target_shape=list(shape[1:]))
    return ctx.result(out, identity(len(shape)), shape=shape, nonneg=x.nonneg)


@from_function("view", "reshape", "squeeze", "unsqueeze", "view_as", "reshape_as")
def reshape(ctx):
    x = ctx.arg(0, "input")
    if isinstance(x, Stack) and ctx.op == "squeeze" and len(x.items) == 1:
        return x.items[0]  # h_n.squeeze(0) of a one-layer, one-direction recurrent layer
    return reshape_to(ctx, ctx.tensor(x), ctx.out_shape())


@from_module("Unflatten")
def unflatten(m, ctx):
    return reshape_to(ctx, ctx.input(), ctx.out_shape())


@from_function("unflatten")
def unflatten_function(ctx):
    return reshape_to(ctx, ctx.input(), ctx.out_shape())
