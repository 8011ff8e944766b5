"""nn.LayerNorm -> layer_norm over the spec axes holding PyTorch's last dims."""

from __future__ import annotations

import numpy as np

from nnspec.spec.ops.layer_norm import LayerNorm

from ...contexts import TorchNodeContext
from ..registry import from_module
from ..values import flat_order
from ._common import array


@from_module("LayerNorm")
def layer_norm(m, ctx: TorchNodeContext):
    x = ctx.input()
    k = len(m.normalized_shape)
    dims = list(range(x.rank - k, x.rank))  # PyTorch dims normalised over
    if 0 in dims or x.perm[0] in dims:
        raise ctx.refuse(f"normalized_shape={tuple(m.normalized_shape)} includes the batch axis")
    if x.flat is not None and k != 1:
        x = ctx.plain(x)
    axes = sorted(x.perm.index(d) for d in dims)
    weight = None if m.weight is None else array(m.weight)
    bias = None if getattr(m, "bias", None) is None else array(m.bias)
    # The spec's gamma is shaped as the input dims at the (sorted) spec axes.
    order = [x.perm[a] - (x.rank - k) for a in axes]
    params = {}
    if weight is not None:
        params["gamma"] = np.transpose(weight, order)
    if bias is not None:
        params["beta"] = np.transpose(bias, order)
    if x.flat is not None:
        params = {key: v[flat_order(x.flat)] for key, v in params.items()}
    axis = -1 if axes == [x.rank - 1] else axes
    out = ctx.emit(
        LayerNorm,
        [x.ref],
        axis=axis,
        epsilon=float(m.eps),
        center=bias is not None,
        scale=weight is not None,
        params=params,
    )
    return ctx.result(out, x.perm, flat=x.flat)
