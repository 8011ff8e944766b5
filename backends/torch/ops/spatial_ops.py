"""instance_norm, adaptive pooling and bilinear interpolation: PyTorch's channels-first
functions on the channels-first input (the layout pass permutes only where a neighbour is
channels-last, with ``permute``, which every ONNX exporter takes)."""

from __future__ import annotations

from nnspec.spec.ops import spatial_ops as P

from ...codegen_common import literal
from ..describe import Op, Tensor
from ..layout import channels_first
from ..registry import converter


@converter(P.InstanceNorm, layout=channels_first)
def instance_norm(node: P.InstanceNorm, ctx) -> Op:
    args, tensors = [ctx.x], {}
    if node.affine:
        for key, name in (("weight", "gamma"), ("bias", "beta")):
            attr = ctx.attr(name)
            tensors[attr] = Tensor(ctx.params[name], parameter=getattr(node, "trainable", True))
            args.append(f"{key}={attr}")
    args.append(f"eps={literal(node.epsilon)}")
    return Op(f"F.instance_norm({', '.join(args)})", tensors=tensors)


@converter(P.AdaptiveAvgPool2D, P.AdaptiveMaxPool2D, layout=channels_first)
def adaptive_pool(node, ctx) -> str:
    fn = "F.adaptive_avg_pool2d" if node.op == "adaptive_avg_pool2d" else "F.adaptive_max_pool2d"
    return f"{fn}({ctx.x}, {literal(tuple(node.output_size))})"


@converter(P.Interpolate, layout=channels_first)
def interpolate(node: P.Interpolate, ctx) -> str:
    size = (
        f"scale_factor={literal(tuple(node.scale))}"
        if node.scale is not None
        else f"size={literal(tuple(node.size))}"
    )
    return (
        f"F.interpolate({ctx.x}, {size}, mode={literal(node.mode)}, "
        f"align_corners={literal(node.align_corners)})"
    )
