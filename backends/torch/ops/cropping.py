"""cropping1d/2d/3d -> a slice of the channels-first input: ``x[:, :, 1:-2, 2:]``."""

from nnspec.spec.ops.cropping import Cropping1D, Cropping2D, Cropping3D

from ...codegen_common import literal
from ...contexts import TorchContext
from ..layout import channels_first
from ..registry import converter


def crop_slice(before: int, after: int) -> str:
    """``1:-2`` for (1, 2); an empty side is left out (``x[:, 1:]``, ``x[:, :-2]``)."""
    start = literal(before) if before else ""
    stop = literal(-after) if after else ""
    return f"{start}:{stop}"


@converter(Cropping1D, Cropping2D, Cropping3D, layout=channels_first)
def cropping(node, ctx: TorchContext) -> str:
    slices = [crop_slice(b, a) for b, a in node.cropping]
    while slices and slices[-1] == ":":
        slices.pop()
    return f"{ctx.x}[{', '.join([':', ':', *slices])}]" if slices else ctx.x
