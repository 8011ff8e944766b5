"""Group normalisation: nn.GroupNorm, channels-first as batch norm (see batch_norm.py)."""

from nnspec.spec.node import normalize_axis
from nnspec.spec.ops.group_norm import GroupNorm

from ...codegen_common import literal, non_default
from ...contexts import TorchContext
from ..describe import Module, Op, Tensor
from ..registry import converter
from .batch_norm import move_to_axis1, over_channels


@converter(GroupNorm, layout=over_channels)
def group_norm(node: GroupNorm, ctx: TorchContext) -> Op:
    rank = ctx.in_types[0].rank
    axis = normalize_axis(node.axis, rank)
    channels = ctx.in_types[0].shape[axis]
    x, back = move_to_axis1(ctx.x, ctx.dim(axis), rank)
    eps = float(node.epsilon)
    p = ctx.params
    if node.center == node.scale:
        weights = {"weight": p["gamma"], "bias": p["beta"]} if node.scale else {}
        kwargs = non_default(dict(eps=1e-5, affine=True), eps=eps, affine=node.scale)
        layer = ctx.attr()
        module = Module("nn.GroupNorm", (node.groups, channels), kwargs, weights)
        return Op(back.format(y=f"{layer}({x})"), modules={layer: module})
    tensors = {}
    gamma = beta = "None"
    if node.scale:
        gamma = ctx.attr("gamma")
        tensors[gamma] = Tensor(p["gamma"])
    if node.center:
        beta = ctx.attr("beta")
        tensors[beta] = Tensor(p["beta"])
    y = f"F.group_norm({x}, {literal(node.groups)}, {gamma}, {beta}, eps={literal(eps)})"
    return Op(back.format(y=y), tensors=tensors)
