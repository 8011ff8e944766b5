"""Keras Normalization -> ``normalization`` (adapted statistics, held as weights), or
``rescaling`` when the statistics were given to the constructor.

``Normalization(mean=..., variance=...)`` (keras.applications' ConvNeXt and EfficientNetV2
build it so) holds its statistics as constants, not weights, so Keras counts no parameters
for it. A ``normalization`` node would count them; the same arithmetic as a ``rescaling`` with
``scale = 1 / max(sqrt(variance), 1e-7)`` and ``offset = -mean * scale`` (or ``std`` and
``mean`` with ``invert``) counts none, like Keras. That works when the constants are one
number or one per channel; other layouts become a ``normalization`` node with weights.
"""

import numpy as np

from nnspec.spec.node import normalize_axes
from nnspec.spec.ops.normalization import Normalization
from nnspec.spec.ops.rescaling import Rescaling

from ...contexts import KerasLayerContext
from ..registry import from_layer

EPSILON = 1e-7  # Keras' backend epsilon: the floor of the standard deviation


def _number_or_channels(a: np.ndarray):
    """A float when every entry is equal, a per-channel list when entries only vary along the
    last axis, else None."""
    a = np.asarray(a, dtype=np.float64)
    flat = a.reshape(-1)
    if flat.size == 0:
        return None
    if np.all(flat == flat[0]):
        return float(flat[0])
    rows = flat.reshape(-1, a.shape[-1])
    if np.all(rows == rows[0]):
        return [float(v) for v in rows[0]]
    return None


def _as_rescaling(layer, ctx: KerasLayerContext, invert: bool):
    mean = np.asarray(layer.mean, dtype=np.float64)
    std = np.maximum(np.sqrt(np.asarray(layer.variance, dtype=np.float64)), EPSILON)
    scale, offset = (std, mean) if invert else (1.0 / std, -mean / std)
    scale, offset = _number_or_channels(scale), _number_or_channels(offset)
    if scale is None or offset is None:
        return None
    return ctx.node(Rescaling, scale=scale, offset=offset)


def _fixed(ctx: KerasLayerContext, size: int | None) -> int:
    """A normalised axis' size: the statistics have one value per entry, so it is known."""
    if size is None:
        raise ctx.refuse("axis", "a normalised axis has no fixed size")
    return size


@from_layer("Normalization")
def normalization(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    invert = bool(cfg.get("invert", False))
    w = ctx.weights()
    if "mean" not in w:  # mean= and variance= given to the constructor: constants
        node = _as_rescaling(layer, ctx, invert)
        if node is not None:
            return node
    axis = cfg["axis"]
    if axis is None or len(axis) == 0:
        raise ctx.refuse(
            "axis",
            "one adapted mean and variance for every value; use axis=-1 with the "
            "statistic repeated per channel",
        )
    axis = int(axis[0]) if len(axis) == 1 else [int(a) for a in axis]
    x_shape = ctx.in_shapes[0]
    shape = tuple(_fixed(ctx, x_shape[a]) for a in normalize_axes(axis, len(x_shape)))
    # The statistics the layer computes with: Keras copies its weights into ``layer.mean``
    # and ``layer.variance`` in finalize_state() (after adapt() or loading), and keeps using
    # those copies if the weights are assigned afterwards without it.
    mean, variance = np.asarray(layer.mean), np.asarray(layer.variance)
    count = w.get("count", 0)
    params = {
        "mean": np.reshape(mean, shape),
        "variance": np.reshape(variance, shape),
        "count": np.asarray(count, dtype=np.int64),
    }
    return ctx.node(Normalization, axis=axis, invert=invert, params=params)
