"""zero_padding1d/2d/3d -> ``F.pad`` of the channels-first input's spatial axes. A symmetric
padding read only by a 'valid' convolution is folded into its ``padding=`` (codegen.py)."""

from nnspec.spec.ops.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

from ...codegen_common import literal
from ...contexts import TorchContext
from ..layout import channels_first
from ..registry import converter


@converter(ZeroPadding1D, ZeroPadding2D, ZeroPadding3D, layout=channels_first)
def zero_padding(node, ctx: TorchContext) -> str:
    pads = []  # F.pad lists (before, after) from the last axis backwards
    for before, after in reversed(node.padding):
        pads += [before, after]
    return f"F.pad({ctx.x}, {literal(tuple(pads))})"
