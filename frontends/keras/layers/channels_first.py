"""Keras spatial layers with ``data_format="channels_first"`` -> the channels-last node between
two ``permute`` nodes: (N, C, *spatial) to (N, *spatial, C), the layer, and back. The kernels
do not depend on the data format, and the PyTorch layout pass folds the permutes into its
own (NCHW is PyTorch's layout anyway)."""

from __future__ import annotations

from nnspec.spec.ops.permute import Permute

# Layers whose converters read channels-last data and whose config has a data_format.
# Not SeparableConv1D/2D: TensorFlow's channels-first separable convolution on the CPU gives
# other numbers than its channels-last one with the same weights on some shapes (a 5x6
# input, Keras 3.15 / TF 2.21), so no conversion can match both; those stay refused.
SPATIAL = frozenset(
    {f"Conv{d}D" for d in (1, 2, 3)}
    | {f"Conv{d}DTranspose" for d in (1, 2, 3)}
    | {"DepthwiseConv1D", "DepthwiseConv2D"}
    | {f"{k}Pooling{d}D" for k in ("Max", "Average") for d in (1, 2, 3)}
    | {f"Global{k}Pooling{d}D" for k in ("Max", "Average") for d in (1, 2, 3)}
    | {f"{k}{d}D" for k in ("UpSampling", "ZeroPadding", "Cropping") for d in (1, 2, 3)}
    | {f"SpatialDropout{d}D" for d in (1, 2, 3)}
    | {f"Adaptive{k}Pooling{d}D" for k in ("Max", "Average") for d in (1, 2, 3)}
    | {"Resizing", "CenterCrop"}
)


def convert(fn, layer, ctx):
    """``fn(layer, ctx)``, on a channels-last view when the layer is channels-first."""
    if ctx.config.get("data_format") != "channels_first" or type(layer).__name__ not in SPATIAL:
        return fn(layer, ctx)
    shape = ctx.in_shapes[0]
    rank = len(shape)
    source = ctx.inputs[0]
    view = ctx.node(
        Permute, suffix="channels_last", inputs=[source], dims=[*range(2, rank), 1]
    ).name
    ctx.config = {**ctx.config, "data_format": "channels_last"}
    ctx.inputs = [view, *ctx.inputs[1:]]
    ctx.in_shapes = [(shape[0], *shape[2:], shape[1]), *ctx.in_shapes[1:]]
    result = fn(layer, ctx)
    last = result[-1] if isinstance(result, list) else result
    ref = last if isinstance(last, str) else last.name
    out_rank = len(layer.compute_output_shape(shape))
    if out_rank < 3:  # global pooling: (N, C) in both formats
        return result
    return ctx.node(
        Permute, suffix="channels_first", inputs=[ref], dims=[out_rank - 1, *range(1, out_rank - 1)]
    )
