"""resizing -> ``F.interpolate`` on a channels-first view; center_crop -> a slice.

TensorFlow resizes with half-pixel centres: bilinear is PyTorch's ``align_corners=False``
(without antialiasing), nearest is ``mode="nearest-exact"``.
"""

from nnspec.spec.ops.resizing import CenterCrop, Resizing

from .._common import channels_first, channels_last
from ..codegen import literal
from ..registry import converter

MODES = {"bilinear": "bilinear", "nearest": "nearest-exact"}


@converter(Resizing)
def resizing(node, ctx) -> str:
    size = (node.height, node.width)
    if tuple(ctx.in_types[0].shape[1:3]) == size:
        return ctx.x  # TensorFlow returns the image unchanged
    mode = MODES[node.interpolation]
    extra = ", align_corners=False" if mode == "bilinear" else ""
    return channels_last(
        f"F.interpolate({channels_first(ctx.x)}, size={literal(size)}, mode={literal(mode)}{extra})"
    )


@converter(CenterCrop)
def center_crop(node, ctx) -> str:
    shape = ctx.in_types[0].shape
    if isinstance(shape[1], int) and isinstance(shape[2], int):
        top, left = (shape[1] - node.height) // 2, (shape[2] - node.width) // 2
        if (top, left) == (0, 0) and tuple(shape[1:3]) == (node.height, node.width):
            return ctx.x
        rows = f"{literal(top)}:{literal(top + node.height)}"
        cols = f"{literal(left)}:{literal(left + node.width)}"
        return f"{ctx.x}[:, {rows}, {cols}]"
    # Sizes known only at run time: the window starts at ((H - height) // 2, (W - width) // 2).
    h, w = literal(node.height), literal(node.width)
    return (
        f"{ctx.x}.narrow(1, ({ctx.x}.shape[1] - {h}) // 2, {h})"
        f".narrow(2, ({ctx.x}.shape[2] - {w}) // 2, {w})"
    )
