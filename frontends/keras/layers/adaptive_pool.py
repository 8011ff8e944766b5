"""Keras AdaptiveAveragePooling1D / AdaptiveMaxPooling1D -> the 2-D adaptive pools on a
(N, 1, T, C) view: a window of an axis of size 1 is that one cell, so the 2-D rule is the 1-D
one (tensor_ops.py converts the 2-D layers). The size-1 axis goes first: TensorFlow's
adaptive max pool dies with a floating point exception on a width of 1."""

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
