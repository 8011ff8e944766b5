"""Batch normalisation: nn.BatchNorm1d/2d/3d, on the channels-first input when the channels
are the normalised axis (the usual case), else with that axis moved to position 1."""

import numpy as np

from nnspec.spec.node import normalize_axis
from nnspec.spec.ops.batch_norm import BatchNorm

from ...codegen_common import literal, non_default
from ...contexts import TorchContext
from ..describe import Module, Op, Tensor
from ..layout import canonical, channels_first
from ..registry import converter

_MODULES = {2: "nn.BatchNorm1d", 3: "nn.BatchNorm1d", 4: "nn.BatchNorm2d", 5: "nn.BatchNorm3d"}


def over_channels(node, types, have):
    """Channels-first when the normalised axis is the channels (it is then PyTorch's dim 1)."""
    rank = types[0].rank
    if rank >= 3 and normalize_axis(node.axis, rank) == rank - 1:
        return channels_first(node, types, have)
    return canonical(node, types, have)


def move_to_axis1(x: str, axis: int, rank: int) -> tuple[str, str]:
    """Source for ``x`` with ``axis`` moved to position 1 (where PyTorch's norm layers want
    the channels), and a format string moving a ``{y}`` back. Free views."""
    if axis == 1 or rank < 3:
        return x, "{y}"
    return f"{x}.movedim({axis}, 1)", f"{{y}}.movedim(1, {axis})"


def torch_momentum(keras_momentum: float) -> float:
    """Keras keeps ``momentum`` of the old statistic, PyTorch ``momentum`` of the new one."""
    return round(1.0 - keras_momentum, 12)


@converter(BatchNorm, layout=over_channels)
def batch_norm(node: BatchNorm, ctx: TorchContext) -> Op:
    x_type = ctx.in_types[0]
    rank = x_type.rank
    axis = normalize_axis(node.axis, rank)
    channels = x_type.shape[axis]
    x, back = move_to_axis1(ctx.x, ctx.dim(axis), rank)
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
        layer = ctx.attr()
        module = Module(_MODULES[rank], (channels,), kwargs, weights)
        return Op(back.format(y=f"{layer}({x})"), modules={layer: module})
    # Only one of gamma/beta (or rank > 5): the functional form with the tensors it needs.
    tensors = {
        ctx.attr("moving_mean"): Tensor(p["moving_mean"], parameter=False),
        ctx.attr("moving_variance"): Tensor(p["moving_variance"], parameter=False),
    }
    gamma = beta = "None"
    if node.scale:
        gamma = ctx.attr("gamma")
        tensors[gamma] = Tensor(p["gamma"])
    if node.center:
        beta = ctx.attr("beta")
        tensors[beta] = Tensor(p["beta"])
    mean, var = ctx.attr("moving_mean"), ctx.attr("moving_variance")
    momentum = literal(torch_momentum(node.momentum))
    y = (
        f"F.batch_norm({x}, {mean}, {var}, {gamma}, {beta}, self.training, {momentum}, "
        f"{literal(eps)})"
    )
    return Op(back.format(y=y), tensors=tensors)
