"""Keras ZeroPadding1D/2D/3D -> zero_padding1d/2d/3d."""

from nnspec.spec.ops.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

from ...contexts import KerasLayerContext
from .._common import require_channels_last
from ..registry import from_layer
from .cropping import pairs

_CLASSES = {
    "ZeroPadding1D": ZeroPadding1D,
    "ZeroPadding2D": ZeroPadding2D,
    "ZeroPadding3D": ZeroPadding3D,
}


@from_layer(*_CLASSES)
def zero_padding(layer, ctx: KerasLayerContext):
    require_channels_last(ctx)
    cls = _CLASSES[type(layer).__name__]
    return ctx.node(cls, padding=pairs(ctx.config["padding"], cls.rank))
