"""nn.GroupNorm -> group_norm over PyTorch's channel dim (dim 1)."""

from __future__ import annotations

from nnspec.spec.ops.group_norm import GroupNorm

from ...contexts import TorchNodeContext
from ..registry import from_module
from ._common import array


@from_module("GroupNorm")
def group_norm(m, ctx: TorchNodeContext):
    x = ctx.plain(ctx.input())
    if x.rank < 2:
        raise ctx.refuse(f"input of shape {x.shape} has no batch axis")
    axis = x.spec_axis(1)
    params = {}
    if m.affine:
        params = {"gamma": array(m.weight), "beta": array(m.bias)}
    out = ctx.emit(
        GroupNorm,
        [x.ref],
        groups=m.num_groups,
        axis=-1 if axis == x.rank - 1 else axis,
        epsilon=float(m.eps),
        center=m.affine,
        scale=m.affine,
        params=params,
    )
    return ctx.result(out, x.perm)
