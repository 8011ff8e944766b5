"""RMS normalisation: nn.RMSNorm over the trailing axes (the only ones the op allows)."""

from nnspec.spec.node import normalize_axes
from nnspec.spec.ops.rms_norm import RMSNorm

from ..describe import Module, Op
from ..registry import converter


@converter(RMSNorm)
def rms_norm(node: RMSNorm, ctx) -> Op:
    rank = ctx.in_types[0].rank
    axes = normalize_axes(node.axis, rank)
    dims = tuple(ctx.in_types[0].shape[a] for a in axes)
    layer = ctx.attr()
    module = Module(
        "nn.RMSNorm",
        (dims[0] if len(dims) == 1 else dims,),
        {"eps": float(node.epsilon)},
        {"weight": ctx.params["scale"]},
    )
    return Op(f"{layer}({ctx.x})", modules={layer: module})
