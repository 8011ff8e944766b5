"""Keras AdaptiveAveragePooling1D / AdaptiveMaxPooling1D -> the 2-D adaptive pools on a
(N, 1, T, C) view: a window of an axis of size 1 is that one cell, so the 2-D rule is the 1-D
one (tensor_ops.py converts the 2-D layers). The size-1 axis goes first: TensorFlow's
adaptive max pool dies with a floating point exception on a width of 1. The 3-D layers: two
2-D pools between reshapes (adaptive_pool3d)."""

from nnspec.spec.ops import reshape as R
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops import spatial_ops as P

from ..registry import from_layer


@from_layer("AdaptiveAveragePooling1D", "AdaptiveMaxPooling1D")
def adaptive_pool1d(layer, ctx):
    ctx.require("data_format", "channels_last", None)
    size = ctx.config["output_size"]
    size = int(size[0] if isinstance(size, list | tuple) else size)
    cls = P.AdaptiveAvgPool2D if "Average" in type(layer).__name__ else P.AdaptiveMaxPool2D
    image = ctx.node(S.ExpandDims, suffix="image", axis=1).name
    pooled = ctx.node(cls, suffix="pool", inputs=[image], output_size=(1, size)).name
    return ctx.node(S.Squeeze, inputs=[pooled], axis=1)


@from_layer("AdaptiveAveragePooling3D", "AdaptiveMaxPooling3D")
def adaptive_pool3d(layer, ctx):
    """Keras pools one spatial axis after the other (keras/src/backend/tensorflow/nn.py), and a
    window is a box, so (N, D, H, W, C) is pooled as the image (D, H) with W * C channels, then
    as the image (od * oh, W): an axis whose output size is its input size keeps its cells."""
    ctx.require("data_format", "channels_last", None)
    size = ctx.config["output_size"]
    od, oh, ow = (int(size),) * 3 if isinstance(size, int) else (int(v) for v in size)
    _, d, h, w, c = ctx.in_shapes[0]
    if None in (d, h, w, c):
        raise ctx.fail("adaptive pooling needs fixed spatial sizes and channels")
    if 1 in (h, w):  # the widths of the two 2-D pools: TensorFlow's fails on a width of 1
        raise ctx.fail("height or width 1 (TensorFlow's 2-D adaptive pooling fails there)")
    cls = P.AdaptiveAvgPool2D if "Average" in type(layer).__name__ else P.AdaptiveMaxPool2D
    depth_rows = ctx.node(R.Reshape, suffix="depth_rows", target_shape=[d, h, w * c]).name
    first = ctx.node(cls, suffix="pool_depth_rows", inputs=[depth_rows], output_size=(od, oh))
    cells = ctx.node(R.Reshape, suffix="cells", inputs=[first.name], target_shape=[od * oh, w, c])
    second = ctx.node(cls, suffix="pool_columns", inputs=[cells.name], output_size=(od * oh, ow))
    return ctx.node(R.Reshape, inputs=[second.name], target_shape=[od, oh, ow, c])
