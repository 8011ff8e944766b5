import numpy as np
from nnspec.spec.node import normalize_axes
from nnspec.spec.ops.normalization import Normalization

from ..registry import from_layer


@from_layer("Normalization")
def normalization(layer, ctx):
    cfg = ctx.config
    axis = cfg["axis"]
    if axis is None or len(axis) == 0:
        raise ctx.refuse(
            "axis", "one mean and variance for every value; use axis=-1 with repeated statistics"
        )
    axis = int(axis[0]) if len(axis) == 1 else [int(a) for a in axis]
    x_shape = ctx.in_shapes[0]
    shape = tuple(x_shape[a] for a in normalize_axes(axis, len(x_shape)))
    w = ctx.weights()
    if "mean" in w:  # adapted (or loaded) statistics: the layer's weights
        mean, variance, count = w["mean"], w["variance"], w["count"]
    else:  # mean= and variance= given to the constructor: broadcast constants
        mean, variance = np.asarray(layer.mean), np.asarray(layer.variance)
        count = 0
    params = {
        "mean": np.reshape(mean, shape),
        "variance": np.reshape(variance, shape),
        "count": np.asarray(count, dtype=np.int64),
    }
    return ctx.node(Normalization, axis=axis, invert=bool(cfg.get("invert", False)), params=params)
