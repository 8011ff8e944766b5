"""Reshaping in the spec's layout, shared by the flatten, reshape, cropping and tensor-shape
converters (a helper module: it registers nothing).

The trap: PyTorch flattens a channels-first feature map channel by channel, the spec flattens
its channels-last tensor pixel by pixel. When the flattened tensor only feeds Linear layers
(through activations and dropout), the spec flattens in its own order and the Linear weight
rows are permuted to match (no data movement); otherwise the feature map is permuted back to
PyTorch's order before flattening.

A reshape to PyTorch's example-run shape has three cases:

- only size-1 dims come or go (squeeze, unsqueeze, ``(N, C, 1, 1) -> (N, C)``): the spec
  reshapes in whatever layout the tensor has (size-1 axes do not change the element order);
- everything after the batch is flattened: :func:`flatten_from_1` (the Linear-row permutation);
- any other reshape: the tensor is put back in PyTorch's order first, then reshaped, since the
  spec reshapes its own tensor in row-major order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from nnspec.spec.ops.flatten import Flatten
from nnspec.spec.ops.reshape import Reshape

from ...contexts import TorchNodeContext
from ..node_names import op_name
from ..values import Tensor, flat_order, identity

if TYPE_CHECKING:
    from torch import fx


# Ops a flattened tensor may pass through on its way to a Linear (elementwise, per feature).
_PASS_MODULES = {
    "Dropout",
    "AlphaDropout",
    "Identity",
    "ReLU",
    "ReLU6",
    "LeakyReLU",
    "ELU",
    "SELU",
    "GELU",
    "SiLU",
    "Mish",
    "Hardswish",
    "Hardsigmoid",
    "Sigmoid",
    "Tanh",
    "Hardtanh",
    "BatchNorm1d",
    "CELU",
    "Softsign",
}
_PASS_FUNCTIONS = {
    "relu",
    "relu6",
    "dropout",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "leaky_relu",
    "elu",
    "selu",
    "mish",
    "hardswish",
    "hardsigmoid",
    "hardtanh",
    "contiguous",
    "clone",
    "detach",
}


def feeds_linear_only(ctx: TorchNodeContext, n: fx.Node) -> bool:
    """Every use of graph node ``n`` reaches a Linear through per-feature elementwise ops."""
    users = list(n.users)
    if not users:
        return False
    for u in users:
        if u.op == "call_module":
            cls = type(ctx.module_of(u)).__name__
            if cls == "Linear" and u.args and u.args[0] is n:
                continue
            if cls in _PASS_MODULES and feeds_linear_only(ctx, u):
                continue
        elif u.op in ("call_function", "call_method") and (
            op_name(u) in _PASS_FUNCTIONS
            and u.args
            and u.args[0] is n
            and feeds_linear_only(ctx, u)
        ):
            continue
        return False
    return True


def flatten_from_1(ctx: TorchNodeContext, x: Tensor) -> Tensor:
    """PyTorch's ``x.flatten(1)`` (also ``x.view(x.size(0), -1)``)."""
    if x.rank <= 2:
        return x
    if x.perm[0] != 0:
        raise ctx.refuse(
            f"flattens a tensor of shape {x.shape} whose batch is on dim "
            f"{x.perm[0]}; the spec keeps the batch first",
            hint="transpose to batch-first before flattening",
        )
    layout = (x.shape, x.perm)
    flat: tuple[tuple[int, ...], tuple[int, ...]] | None = layout
    if np.array_equal(flat_order(layout), np.arange(int(np.prod(x.shape[1:])))):
        ref, flat = x.ref, None  # the spec's order is PyTorch's (e.g. 1x1 spatial dims)
    elif feeds_linear_only(ctx, ctx.fx):
        ref = x.ref
    else:
        ref, flat = ctx.as_perm(x, identity(x.rank)), None
    out = ctx.emit(Flatten, [ref])
    return ctx.result(out, identity(2), nonneg=x.nonneg, flat=flat)


def _size_one_mapping(
    src: tuple[int, ...], dst: tuple[int, ...], batch: int
) -> dict[int, int] | None:
    """{src dim: dst dim} when ``dst`` only adds or removes size-1 dims of ``src`` (the
    batch dim kept), else None."""
    keep_src = [d for d, n in enumerate(src) if n != 1 or d == batch]
    keep_dst = [d for d, n in enumerate(dst) if n != 1]
    if src[batch] == 1:  # a batch of 1: we cannot tell which size-1 dim is the batch
        return None
    if [src[d] for d in keep_src] != [dst[d] for d in keep_dst]:
        return None
    return dict(zip(keep_src, keep_dst))


def squeeze_unsqueeze(
    ctx: TorchNodeContext, x: Tensor, shape: tuple[int, ...], mapping: dict[int, int]
) -> Tensor:
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


def reshape_to(ctx: TorchNodeContext, x: Tensor, shape: Any) -> Tensor:
    """``x`` reshaped to PyTorch's ``shape`` (a no-op, a squeeze, a flatten or a reshape)."""
    shape = tuple(shape)
    if shape == x.shape:
        return x
    mapping = _size_one_mapping(x.shape, shape, x.perm[0])
    if mapping is not None:
        return squeeze_unsqueeze(ctx, x, shape, mapping)
    from ..boundary import merged_view, merges_batch

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
