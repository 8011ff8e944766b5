"""upsampling1d/2d/3d -> ``layers.UpSampling{n}D``."""

from nnspec.spec.ops.upsampling import UpSampling1D, UpSampling2D, UpSampling3D

from ...codegen_common import squeeze
from ...contexts import KerasContext
from ..registry import converter


@converter(UpSampling1D, UpSampling2D, UpSampling3D)
def upsampling(node, ctx: KerasContext) -> str:
    kwargs = {}
    if getattr(node, "interpolation", "nearest") != "nearest":
        kwargs["interpolation"] = node.interpolation
    layer = ctx.layer(f"layers.UpSampling{node.rank}D", squeeze(node.size), **kwargs)
    return f"{layer}({ctx.x})"
