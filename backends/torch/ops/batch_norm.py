"""Batch normalisation at inference: nn.BatchNorm1d/2d/3d on a channels-first view."""

import numpy as np

from nnspec.spec.node import normalize_axis
from nnspec.spec.ops.batch_norm import BatchNorm

from ...codegen_common import literal, non_default
from ..registry import converter

_MODULES = {2: "nn.BatchNorm1d", 3: "nn.BatchNorm1d", 4: "nn.BatchNorm2d", 5: "nn.BatchNorm3d"}


def move_to_axis1(x: str, axis: int, rank: int) -> tuple[str, str]:
    """Source for ``x`` with ``axis`` moved to position 1 (where PyTorch's norm layers want
    the channels), and a format string moving a ``{y}`` back. Free views."""
    if axis == 1:
        return x, "{y}"
    src = -1 if axis == rank - 1 else axis
    return f"{x}.movedim({src}, 1)", f"{{y}}.movedim(1, {src})"


def torch_momentum(keras_momentum: float) -> float:
    """Keras keeps ``momentum`` of the old statistic, PyTorch ``momentum`` of the new one."""
    return round(1.0 - keras_momentum, 12)


@converter(BatchNorm)
def batch_norm(node: BatchNorm, ctx) -> str:
    x_type = ctx.in_types[0]
    rank = x_type.rank
    axis = normalize_axis(node.axis, rank)
    channels = x_type.shape[axis]
    x, back = move_to_axis1(ctx.x, axis, rank)
    p = ctx.params
    eps = float(node.epsilon)
    if node.center == node.scale and rank in _MODULES:
        weights = {}
        if node.scale:
            weights = {"weight": p["gamma"], "bias": p["beta"]}
        weights.update(
            running_mean=p["moving_mean"],
            running_var=p["moving_variance"],
            num_batches_tracked=np.array(0, dtype=np.int64),
        )
        kwargs = non_default(
            dict(eps=1e-5, momentum=0.1, affine=True),
            eps=eps,
            momentum=torch_momentum(node.momentum),
            affine=node.scale,
        )
        layer = ctx.module(_MODULES[rank], channels, weights=weights, **kwargs)
        return back.format(y=f"{layer}({x})")
    # Only one of gamma/beta (or rank > 5): the functional form with the tensors it needs.
    mean = ctx.tensor("moving_mean", p["moving_mean"], parameter=False)
    var = ctx.tensor("moving_variance", p["moving_variance"], parameter=False)
    gamma = ctx.tensor("gamma", p["gamma"]) if node.scale else "None"
    beta = ctx.tensor("beta", p["beta"]) if node.center else "None"
    y = f"F.batch_norm({x}, {mean}, {var}, {gamma}, {beta}, eps={literal(eps)})"
    return back.format(y=y)
