"""cropping1d/2d/3d -> ``layers.Cropping{n}D``."""

from nnspec.spec.ops.cropping import Cropping1D, Cropping2D, Cropping3D

from ...contexts import KerasContext
from ..registry import converter
from .zero_padding import keras_pairs


@converter(Cropping1D, Cropping2D, Cropping3D)
def cropping(node, ctx: KerasContext) -> str:
    layer = ctx.layer(f"layers.Cropping{node.rank}D", keras_pairs(node.cropping))
    return f"{layer}({ctx.x})"
