"""resizing -> ``F.interpolate`` on the channels-first input; center_crop -> a slice of the
spatial axes wherever they are.

TensorFlow resizes with half-pixel centres: bilinear is PyTorch's ``align_corners=False``
(without antialiasing), nearest is ``mode="nearest-exact"``.
"""

from nnspec.spec.ops.resizing import CenterCrop, Resizing

from ...codegen_common import literal
from ...contexts import TorchContext
from ..layout import channels_first, follow
from ..registry import converter

MODES = {"bilinear": "bilinear", "nearest": "nearest-exact"}


@converter(Resizing, layout=channels_first)
def resizing(node, ctx: TorchContext) -> str:
    size = (node.height, node.width)
    if tuple(ctx.in_types[0].shape[1:3]) == size:
        return ctx.x  # TensorFlow returns the image unchanged
    mode = MODES[node.interpolation]
    known = [d for d in ctx.in_types[0].shape[1:3] if isinstance(d, int)]
    if mode == "nearest-exact" and len(known) == 2:
        # The same pixels as an index per output row and column, computed exactly here: every
        # exporter takes it (TorchScript's ONNX exporter has no nearest-exact).
        rows, cols = (nearest(n, m) for n, m in zip(known, size))
        return f"{ctx.x}[:, :, {literal(rows)}][:, :, :, {literal(cols)}]"
    return f"F.interpolate({ctx.x}, size={literal(size)}, mode={literal(mode)})"


def nearest(n: int, m: int) -> list[int]:
    """Half-pixel nearest neighbours: input index floor((i + 1/2) * n / m) of output i."""
    return [min((2 * i + 1) * n // (2 * m), n - 1) for i in range(m)]


@converter(CenterCrop, layout=follow)
def center_crop(node, ctx: TorchContext) -> str:
    shape = ctx.in_types[0].shape
    h_dim, w_dim = ctx.dim(1), ctx.dim(2)
    lead = ":, :, " if h_dim == 2 else ":, "
    if isinstance(shape[1], int) and isinstance(shape[2], int):
        top, left = (shape[1] - node.height) // 2, (shape[2] - node.width) // 2
        if (top, left) == (0, 0) and tuple(shape[1:3]) == (node.height, node.width):
            return ctx.x
        rows = f"{literal(top)}:{literal(top + node.height)}"
        cols = f"{literal(left)}:{literal(left + node.width)}"
        return f"{ctx.x}[{lead}{rows}, {cols}]"
    # Sizes known only at run time: the window starts at ((H - height) // 2, (W - width) // 2).
    h, w = literal(node.height), literal(node.width)
    return (
        f"{ctx.x}.narrow({h_dim}, ({ctx.x}.shape[{h_dim}] - {h}) // 2, {h})"
        f".narrow({w_dim}, ({ctx.x}.shape[{w_dim}] - {w}) // 2, {w})"
    )
