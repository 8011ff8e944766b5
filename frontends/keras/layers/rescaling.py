import numpy as np

from nnspec.spec.ops.rescaling import Rescaling

from ...contexts import KerasLayerContext
from ..registry import from_layer


def _value(layer, ctx: KerasLayerContext, key):
    """A number or one value per channel (Keras also takes numpy arrays)."""
    a = np.asarray(getattr(layer, key), dtype=np.float64)
    if a.ndim == 0:
        return float(a)
    if a.ndim == 1:
        return [float(v) for v in a]
    raise ctx.refuse(
        key, f"an array of shape {a.shape} (a number or one value per channel is supported)"
    )


@from_layer("Rescaling")
def rescaling(layer, ctx: KerasLayerContext):
    return ctx.node(
        Rescaling, scale=_value(layer, ctx, "scale"), offset=_value(layer, ctx, "offset")
    )
