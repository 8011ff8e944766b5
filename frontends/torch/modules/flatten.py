"""nn.Flatten, torch.flatten and x.flatten -> flatten (from dim 1), else reshape.

The trap: PyTorch flattens a channels-first feature map channel by channel, the spec flattens
its channels-last tensor pixel by pixel. When the flattened tensor only feeds Linear layers
(through activations and dropout), the spec flattens in its own order and the Linear weight
rows are permuted to match (no data movement); otherwise the feature map is permuted back to
PyTorch's order before flattening.
"""

from __future__ import annotations

import numpy as np

from nnspec.spec.ops.flatten import Flatten

from ..registry import from_function, from_module
from ..values import flat_order, identity

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


def feeds_linear_only(ctx, n) -> bool:
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
        elif u.op in ("call_function", "call_method"):
            from ..importer import op_name

            if (
                op_name(u) in _PASS_FUNCTIONS
                and u.args
                and u.args[0] is n
                and feeds_linear_only(ctx, u)
            ):
                continue
        return False
    return True


def flatten_from_1(ctx, x):
    """PyTorch's ``x.flatten(1)`` (also ``x.view(x.size(0), -1)``)."""
    if x.rank <= 2:
        return x
    if x.perm[0] != 0:
        raise ctx.refuse(
            f"flattens a tensor of shape {x.shape} whose batch is on dim "
            f"{x.perm[0]}; the spec keeps the batch first",
            hint="transpose to batch-first before flattening",
        )
    flat = (x.shape, x.perm)
    if np.array_equal(flat_order(flat), np.arange(int(np.prod(x.shape[1:])))):
        ref, flat = x.ref, None  # the spec's order is PyTorch's (e.g. 1x1 spatial dims)
    elif feeds_linear_only(ctx, ctx.fx):
        ref = x.ref
    else:
        ref, flat = ctx.as_perm(x, identity(x.rank)), None
    out = ctx.emit(Flatten, [ref])
    return ctx.result(out, identity(2), nonneg=x.nonneg, flat=flat)


def _flatten(ctx, start: int, end: int):
    x = ctx.input()
    if x.rank >= 2 and x.dim(start) == 1 and x.dim(end) == x.rank - 1:
        return flatten_from_1(ctx, x)
    from .reshape import reshape_to

    return reshape_to(ctx, x, ctx.out_shape())


@from_module("Flatten")
def flatten(m, ctx):
    return _flatten(ctx, m.start_dim, m.end_dim)


@from_function("flatten")
def flatten_function(ctx):
    return _flatten(ctx, ctx.arg(1, "start_dim", 0), ctx.arg(2, "end_dim", -1))
