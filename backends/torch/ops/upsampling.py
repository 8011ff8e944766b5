"""upsampling1d/2d/3d on the channels-first input: nearest -> ``repeat_interleave`` along
each spatial axis (an exact repeat, as Keras' ``ops.repeat``); bilinear -> ``F.interpolate(
mode="bilinear", align_corners=False)``, TensorFlow's half-pixel centres without
antialiasing."""

from nnspec.spec.ops.upsampling import UpSampling1D, UpSampling2D, UpSampling3D

from ...codegen_common import literal
from ...contexts import TorchContext
from ..layout import channels_first
from ..registry import converter


@converter(UpSampling1D, UpSampling2D, UpSampling3D, layout=channels_first)
def upsampling(node, ctx: TorchContext) -> str:
    factors = node._factors()
    if getattr(node, "interpolation", "nearest") == "bilinear":
        scale = tuple(float(f) for f in factors)
        return f"F.interpolate({ctx.x}, scale_factor={literal(scale)}, mode='bilinear')"
    x = ctx.x
    for axis, factor in enumerate(factors, start=2):
        if factor != 1:
            x = f"{x}.repeat_interleave({literal(factor)}, dim={literal(axis)})"
    return x
