"""zero_padding1d/2d/3d -> ``F.pad`` of the channels-last tensor (channels unpadded)."""

from nnspec.spec.ops.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

from ..codegen import literal
from ..registry import converter


@converter(ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
def zero_padding(node, ctx) -> str:
    pads = [0, 0]  # F.pad lists (before, after) from the last axis (channels) backwards
    for before, after in reversed(node.padding):
        pads += [before, after]
    return f"F.pad({ctx.x}, {literal(tuple(pads))})"
