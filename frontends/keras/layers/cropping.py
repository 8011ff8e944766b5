"""Keras Cropping1D/2D/3D -> cropping1d/2d/3d."""

from nnspec.spec.ops.cropping import Cropping1D, Cropping2D, Cropping3D

from ...contexts import KerasLayerContext
from .._common import require_channels_last
from ..registry import from_layer

_CLASSES = {"Cropping1D": Cropping1D, "Cropping2D": Cropping2D, "Cropping3D": Cropping3D}


@from_layer(*_CLASSES)
def cropping(layer, ctx: KerasLayerContext):
    require_channels_last(ctx)
    cls = _CLASSES[type(layer).__name__]
    return ctx.node(cls, cropping=pairs(ctx.config["cropping"], cls.rank))


def pairs(value, rank: int) -> tuple:
    """Keras' config ((b, a), ...) or, for 1-D, (b, a), as one (before, after) pair per axis."""
    if rank == 1:
        return (tuple(int(v) for v in value),)
    return tuple(tuple(int(v) for v in pair) for pair in value)
