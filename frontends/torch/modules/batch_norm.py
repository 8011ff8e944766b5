"""nn.BatchNorm1d/2d/3d -> batch_norm over PyTorch's channel dim, wherever the layout put it."""

from __future__ import annotations

from nnspec.spec.ops.batch_norm import BatchNorm

from ...contexts import TorchNodeContext
from ..registry import from_module
from ..values import flat_order
from ._common import array


@from_module("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")
def batch_norm(m, ctx: TorchNodeContext):
    x = ctx.input()
    if not m.track_running_stats or m.running_mean is None:
        raise ctx.refuse(
            "track_running_stats=False is not supported (it normalises with the "
            "batch's own statistics at inference)"
        )
    if x.rank < 2:
        raise ctx.refuse(f"input of shape {x.shape} has no batch axis")
    params = {"moving_mean": array(m.running_mean), "moving_variance": array(m.running_var)}
    if m.affine:
        params["gamma"], params["beta"] = array(m.weight), array(m.bias)
    if x.flat is not None:  # features in the spec's order: permute the statistics the same way
        order = flat_order(x.flat)
        params = {k: v[order] for k, v in params.items()}
    axis = x.spec_axis(1)
    momentum = 0.1 if m.momentum is None else m.momentum  # None: cumulative average (training)
    out = ctx.emit(
        BatchNorm,
        [x.ref],
        axis=-1 if axis == x.rank - 1 else axis,
        epsilon=float(m.eps),
        momentum=round(1.0 - float(momentum), 10),
        center=m.affine,
        scale=m.affine,
        params=params,
    )
    return ctx.result(out, x.perm, flat=x.flat)
