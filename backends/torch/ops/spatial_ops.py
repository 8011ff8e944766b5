"""instance_norm, adaptive pooling and bilinear interpolation: PyTorch's channels-first
functions, with the channels-last tensor moved there and back."""

from __future__ import annotations

from nnspec.spec.ops import spatial_ops as P

from ...codegen_common import literal
from ._canonical import Canonical, canonical


def _first(x: str) -> str:
    return f"{x}.movedim(-1, 1)"


@canonical(P.InstanceNorm)
def instance_norm(node: P.InstanceNorm, c: Canonical) -> str:
    args = [_first(c.x)]
    if node.affine:
        args += [f"weight={c.weight('gamma')}", f"bias={c.weight('beta')}"]
    args.append(f"eps={literal(node.epsilon)}")
    return f"F.instance_norm({', '.join(args)}).movedim(1, -1)"


@canonical(P.AdaptiveAvgPool2D, P.AdaptiveMaxPool2D)
def adaptive_pool(node, c: Canonical) -> str:
    fn = "F.adaptive_avg_pool2d" if node.op == "adaptive_avg_pool2d" else "F.adaptive_max_pool2d"
    return f"{fn}({_first(c.x)}, {literal(tuple(node.output_size))}).movedim(1, -1)"


@canonical(P.Interpolate)
def interpolate(node: P.Interpolate, c: Canonical) -> str:
    size = (
        f"scale_factor={literal(tuple(node.scale))}"
        if node.scale is not None
        else f"size={literal(tuple(node.size))}"
    )
    return (
        f"F.interpolate({_first(c.x)}, {size}, mode={literal(node.mode)}, "
        f"align_corners={literal(node.align_corners)}).movedim(1, -1)"
    )
