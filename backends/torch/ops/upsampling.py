"""upsampling1d/2d/3d: nearest -> ``repeat_interleave`` along each spatial axis (an exact
repeat, as Keras' ``ops.repeat``); bilinear -> ``F.interpolate(mode="bilinear",
align_corners=False)``, TensorFlow's half-pixel centres without antialiasing."""

from nnspec.spec.ops.upsampling import UpSampling1D, UpSampling2D, UpSampling3D

from .._common import channels_first, channels_last
from ..codegen import literal
from ..registry import converter


@converter(UpSampling1D, UpSampling2D, UpSampling3D)
def upsampling(node, ctx) -> str:
    factors = node._factors()
    if getattr(node, "interpolation", "nearest") == "bilinear":
        scale = tuple(float(f) for f in factors)
        return channels_last(
            f"F.interpolate({channels_first(ctx.x)}, scale_factor={literal(scale)}, "
            f"mode='bilinear', align_corners=False)"
        )
    x = ctx.x
    for axis, factor in enumerate(factors, start=1):
        if factor != 1:
            x = f"{x}.repeat_interleave({literal(factor)}, dim={literal(axis)})"
    return x
