"""Group normalisation: nn.GroupNorm on a channels-first view."""

from nnspec.spec.node import normalize_axis
from nnspec.spec.ops.group_norm import GroupNorm

from ...codegen_common import literal, non_default
from ..registry import converter
from .batch_norm import move_to_axis1


@converter(GroupNorm)
def group_norm(node: GroupNorm, ctx) -> str:
    rank = ctx.in_types[0].rank
    axis = normalize_axis(node.axis, rank)
    channels = ctx.in_types[0].shape[axis]
    x, back = move_to_axis1(ctx.x, axis, rank)
    eps = float(node.epsilon)
    if node.center == node.scale:
        weights = {"weight": ctx.params["gamma"], "bias": ctx.params["beta"]} if node.scale else {}
        kwargs = non_default(dict(eps=1e-5, affine=True), eps=eps, affine=node.scale)
        layer = ctx.module("nn.GroupNorm", node.groups, channels, weights=weights, **kwargs)
        return back.format(y=f"{layer}({x})")
    gamma = ctx.tensor("gamma", ctx.params["gamma"]) if node.scale else "None"
    beta = ctx.tensor("beta", ctx.params["beta"]) if node.center else "None"
    return back.format(
        y=f"F.group_norm({x}, {literal(node.groups)}, {gamma}, {beta}, eps={literal(eps)})"
    )
