"""Keras GlobalMax/GlobalAveragePooling1D/2D/3D -> global_max/avg_pool1d/2d/3d."""

from nnspec.spec.ops.global_pool import (
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
)

from ...contexts import KerasLayerContext
from .._common import require_channels_last
from ..registry import from_layer
from .masked import masked_average

_CLASSES = {
    "GlobalMaxPooling1D": GlobalMaxPool1D,
    "GlobalMaxPooling2D": GlobalMaxPool2D,
    "GlobalMaxPooling3D": GlobalMaxPool3D,
    "GlobalAveragePooling1D": GlobalAvgPool1D,
    "GlobalAveragePooling2D": GlobalAvgPool2D,
    "GlobalAveragePooling3D": GlobalAvgPool3D,
}


@from_layer(*_CLASSES)
def global_pool(layer, ctx: KerasLayerContext):
    require_channels_last(ctx)
    keepdims = bool(ctx.config.get("keepdims"))
    if ctx.call_kwargs.get("mask") is not None and type(layer).__name__ == "GlobalAveragePooling1D":
        return masked_average(ctx, keepdims)
    return ctx.node(_CLASSES[type(layer).__name__], keepdims=keepdims)
