from nnspec.spec.ops.unit_norm import UnitNorm

from ...contexts import KerasLayerContext
from ..registry import from_layer


@from_layer("UnitNormalization")
def unit_norm(layer, ctx: KerasLayerContext):
    axis = ctx.config["axis"]
    if isinstance(axis, list | tuple):
        axis = [int(a) for a in axis]
    return ctx.node(UnitNorm, axis=axis)
