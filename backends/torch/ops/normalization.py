"""Normalization with adapted statistics: ``(x - mean) / max(sqrt(variance), 1e-7)``, the
statistics kept as buffers shaped to broadcast against the input: channels-last, or (C, 1, ...)
against a channels-first one when they are per channel (the usual ``axis=-1``)."""

import numpy as np

from nnspec.spec.node import normalize_axes, static_dim
from nnspec.spec.ops.normalization import FLOATS, Normalization

from ...contexts import TorchContext
from ..describe import Op, Tensor
from ..layout import CF, canonical, follow
from ..registry import converter

EPSILON = "1e-07"  # Keras' backend epsilon, the floor of the standard deviation


def _per_channel(node: Normalization, rank: int) -> bool:
    return normalize_axes(node.axis, rank) == (rank - 1,)


def _layout(node: Normalization, types, have):
    if _per_channel(node, types[0].rank):
        return follow(node, types, have)
    return canonical(node, types, have)


@converter(Normalization, layout=_layout)
def normalization(node: Normalization, ctx: TorchContext) -> Op:
    x_type = ctx.in_types[0]
    rank = x_type.rank
    axes = normalize_axes(node.axis, rank)
    # Canonical (dims at axes) -> broadcastable: 1 on the other axes after the first kept one.
    shape = tuple(
        static_dim(x_type, a, "a normalised axis") if a in axes else 1 for a in range(axes[0], rank)
    )
    if ctx.layout == CF and _per_channel(node, rank):
        shape = (*shape, *(1,) * (rank - 2))  # (C, 1, ...): channels at dim 1
    mean, var = ctx.attr("mean"), ctx.attr("variance")
    tensors = {
        mean: Tensor(np.reshape(ctx.params["mean"], shape), parameter=False),
        var: Tensor(np.reshape(ctx.params["variance"], shape), parameter=False),
    }
    if "count" in ctx.params:  # kept so the statistics round-trip; unused here
        tensors[ctx.attr("count")] = Tensor(ctx.params["count"], parameter=False)
    x = ctx.x if x_type.dtype in FLOATS else f"{ctx.x}.float()"
    std = f"{var}.sqrt().clamp_min({EPSILON})"
    call = f"{mean} + {x} * {std}" if node.invert else f"({x} - {mean}) / {std}"
    return Op(call, tensors=tensors)
