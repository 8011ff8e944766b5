"""instance_norm (GroupNormalization with one group per channel), adaptive pooling (Keras'
layers compute PyTorch's windows) and bilinear interpolation written as two separable
lerps with gather indices computed here."""

from __future__ import annotations

import math

from nnspec.spec.node import static_dim
from nnspec.spec.ops import spatial_ops as P

from ...codegen_common import literal
from ...contexts import KerasContext
from ..registry import converter


@converter(P.InstanceNorm)
def instance_norm(node: P.InstanceNorm, ctx: KerasContext) -> str:
    weights = [ctx.params["gamma"], ctx.params["beta"]] if node.affine else None
    kwargs = {} if node.affine else {"center": False, "scale": False}
    layer = ctx.layer(
        "layers.GroupNormalization", groups=-1, epsilon=node.epsilon, weights=weights, **kwargs
    )
    return f"{layer}({ctx.x})"


@converter(P.AdaptiveAvgPool2D, P.AdaptiveMaxPool2D)
def adaptive_pool(node, ctx: KerasContext) -> str:
    cls = "AdaptiveAveragePooling2D" if node.op == "adaptive_avg_pool2d" else "AdaptiveMaxPooling2D"
    return f"{ctx.layer('layers.' + cls, tuple(node.output_size))}({ctx.x})"


def lerp_table(n_in: int, n_out: int, align: bool, scale: float | None):
    """PyTorch's bilinear source positions: (lower index, upper index, upper weight) per
    output position along one axis."""
    lo, hi, w = [], [], []
    for d in range(n_out):
        if align:
            src = d * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            ratio = 1 / scale if scale is not None else n_in / n_out
            src = max((d + 0.5) * ratio - 0.5, 0.0)
        i0 = min(math.floor(src), n_in - 1)
        lo.append(i0)
        hi.append(min(i0 + 1, n_in - 1))
        w.append(src - i0)
    return lo, hi, w


_A = -0.75  # PyTorch's bicubic coefficient


def cubic_table(n_in: int, n_out: int, align: bool, scale: float | None):
    """PyTorch's bicubic taps along one axis: 4 lists of source indices (clamped to the
    input) and 4 lists of weights, one entry per output position."""
    index: list[list[int]] = [[], [], [], []]
    weight: list[list[float]] = [[], [], [], []]
    for d in range(n_out):
        if align:
            src = d * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            ratio = 1 / scale if scale is not None else n_in / n_out
            src = (d + 0.5) * ratio - 0.5  # not clamped for cubic
        i0 = math.floor(src)
        t = src - i0
        ws = (
            ((_A * (t + 1) - 5 * _A) * (t + 1) + 8 * _A) * (t + 1) - 4 * _A,
            ((_A + 2) * t - (_A + 3)) * t * t + 1,
            ((_A + 2) * (1 - t) - (_A + 3)) * (1 - t) * (1 - t) + 1,
            ((_A * (2 - t) - 5 * _A) * (2 - t) + 8 * _A) * (2 - t) - 4 * _A,
        )
        for k in range(4):
            index[k].append(min(max(i0 - 1 + k, 0), n_in - 1))
            weight[k].append(ws[k])
    return index, weight


def _bicubic(node: P.Interpolate, ctx) -> str:
    y = ctx.x
    shape = ctx.in_types[0].shape
    for axis in (1, 2):
        scale = node.scale[axis - 1] if node.scale is not None else None
        index, weight = cubic_table(shape[axis], node.size[axis - 1], node.align_corners, scale)
        view = literal((-1,) + (1,) * (3 - axis))
        terms = [
            f"ops.take({y}, {literal(i)}, axis={axis}) * "
            f"ops.reshape(ops.convert_to_tensor({literal(w)}), {view})"
            for i, w in zip(index, weight)
        ]
        t = ctx.temp(f"axis{axis}")
        ctx.stmt(f"{t} = {' + '.join(terms)}")
        y = t
    return y


@converter(P.Interpolate)
def interpolate(node: P.Interpolate, ctx: KerasContext) -> str:
    if node.mode == "bicubic":
        return _bicubic(node, ctx)
    y = ctx.x
    for axis in (1, 2):
        scale = node.scale[axis - 1] if node.scale is not None else None
        size = static_dim(ctx.in_types[0], axis, "input size")
        lo, hi, w = lerp_table(size, node.size[axis - 1], node.align_corners, scale)
        weight = f"ops.reshape(ops.convert_to_tensor({literal(w)}), {literal((-1,) + (1,) * (3 - axis))})"
        t = ctx.temp(f"axis{axis}")
        ctx.stmt(
            f"{t} = ops.take({y}, {literal(lo)}, axis={axis}) + "
            f"(ops.take({y}, {literal(hi)}, axis={axis}) - ops.take({y}, {literal(lo)}, axis={axis})) * {weight}"
        )
        y = t
    return y
