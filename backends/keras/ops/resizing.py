"""resizing -> ``layers.Resizing``; center_crop -> ``layers.CenterCrop``."""

from nnspec.spec.ops.resizing import CenterCrop, Resizing

from ...contexts import KerasContext
from ..registry import converter


@converter(Resizing)
def resizing(node, ctx: KerasContext) -> str:
    kwargs = {} if node.interpolation == "bilinear" else {"interpolation": node.interpolation}
    layer = ctx.layer("layers.Resizing", node.height, node.width, **kwargs)
    return f"{layer}({ctx.x})"


@converter(CenterCrop)
def center_crop(node, ctx: KerasContext) -> str:
    return f"{ctx.layer('layers.CenterCrop', node.height, node.width)}({ctx.x})"
