"""Keras UpSampling1D/2D/3D -> upsampling1d/2d/3d (2-D: nearest and bilinear)."""

from nnspec.spec.ops.upsampling import UpSampling1D, UpSampling2D, UpSampling3D

from ...contexts import KerasLayerContext
from .._common import require_channels_last
from ..registry import from_layer


@from_layer("UpSampling1D")
def upsampling1d(layer, ctx: KerasLayerContext):
    return ctx.node(UpSampling1D, size=int(ctx.config["size"]))


@from_layer("UpSampling2D")
def upsampling2d(layer, ctx: KerasLayerContext):
    require_channels_last(ctx)
    interpolation = ctx.config.get("interpolation", "nearest")
    if interpolation not in ("nearest", "bilinear"):
        raise ctx.refuse(
            "interpolation",
            "only 'nearest' and 'bilinear' resize the same way "
            "in PyTorch; TensorFlow's bicubic, lanczos and area kernels differ",
        )
    return ctx.node(UpSampling2D, size=tuple(ctx.config["size"]), interpolation=interpolation)


@from_layer("UpSampling3D")
def upsampling3d(layer, ctx: KerasLayerContext):
    require_channels_last(ctx)
    return ctx.node(UpSampling3D, size=tuple(ctx.config["size"]))
