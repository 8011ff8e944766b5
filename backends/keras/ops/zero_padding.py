"""zero_padding1d/2d/3d -> ``layers.ZeroPadding{n}D``."""

from nnspec.spec.ops.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

from ...contexts import KerasContext
from ..registry import converter


def keras_pairs(pairs):
    """(before, after) per axis in Keras' shortest form: ``1``, ``(1, 2)`` (one per axis) or
    the pairs; a 1-D layer takes its one pair as ``(before, after)``."""
    if len(pairs) == 1:
        before, after = pairs[0]
        return before if before == after else (before, after)
    if all(b == a for b, a in pairs):
        sizes = tuple(b for b, _ in pairs)
        return sizes[0] if len(set(sizes)) == 1 else sizes
    return tuple(pairs)


@converter(ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
def zero_padding(node, ctx: KerasContext) -> str:
    layer = ctx.layer(f"layers.ZeroPadding{node.rank}D", keras_pairs(node.padding))
    return f"{layer}({ctx.x})"
