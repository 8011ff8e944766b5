"""Keras MaxPooling1D/2D/3D and AveragePooling1D/2D/3D -> max/avg_pool1d/2d/3d."""

from nnspec.spec.ops.pooling import AvgPool1D, AvgPool2D, AvgPool3D, MaxPool1D, MaxPool2D, MaxPool3D

from ...contexts import KerasLayerContext
from .._common import require_channels_last
from ..registry import from_layer

_CLASSES = {
    "MaxPooling1D": MaxPool1D,
    "MaxPooling2D": MaxPool2D,
    "MaxPooling3D": MaxPool3D,
    "AveragePooling1D": AvgPool1D,
    "AveragePooling2D": AvgPool2D,
    "AveragePooling3D": AvgPool3D,
}


@from_layer(*_CLASSES)
def pooling(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    require_channels_last(ctx)
    pool_size = tuple(cfg["pool_size"])
    strides = tuple(cfg["strides"]) if cfg.get("strides") is not None else pool_size
    return ctx.node(
        _CLASSES[type(layer).__name__],
        pool_size=pool_size,
        strides=None if strides == pool_size else strides,  # absent means pool_size
        padding=cfg["padding"].lower(),
    )
