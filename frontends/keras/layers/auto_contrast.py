"""Keras AutoContrast, which runs at inference too: each image is stretched so that its own
minimum and maximum (over axes 1 and 2, per channel) become 0 and 255, clipped, in the
layer's ``value_range``; where that gives NaN (a constant channel: 0 / 0) the input value is
kept. Written out step by step as Keras 3.15 computes it
(keras/src/layers/preprocessing/image_preprocessing/auto_contrast.py); ``isnan(r)`` is
``r != r``."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import reduce as R
from nnspec.spec.ops.constant import Constant
from nnspec.spec.ops.merge import Add, Multiply, Subtract

from ...contexts import KerasLayerContext
from ..registry import from_layer


def _step(ctx: Any, cls: Any, suffix: str, *inputs: str, **attrs: Any) -> str:
    return ctx.node(cls, suffix=suffix, inputs=list(inputs), **attrs).name


def _number(ctx: Any, suffix: str, value: float, rank: int) -> str:
    array = np.full((1,) * rank, value, np.float32)
    node = ctx.node(
        Constant, suffix=suffix, inputs=[], params={"value": array},
        shape=list(array.shape), dtype="float32", trainable=False,
    )  # fmt: skip
    return node.name


def _rerange(ctx: Any, x: str, source: tuple, target: tuple, rank: int, what: str) -> str:
    """``(x - s0) / (s1 - s0) * (t1 - t0) + t0`` (``_transform_value_range``), in float32."""
    s0, s1 = (float(np.float32(v)) for v in source)
    t0, t1 = (float(np.float32(v)) for v in target)
    x = _step(ctx, Subtract, f"{what}_shifted", x, _number(ctx, f"{what}_low", s0, rank))
    x = _step(ctx, E.Divide, f"{what}_unit", x, scalar=float(np.float32(s1 - s0)))
    span = float(np.float32(t1) - np.float32(t0))
    x = _step(ctx, Multiply, f"{what}_spread", x, _number(ctx, f"{what}_span", span, rank))
    return _step(ctx, Add, f"{what}_range", x, _number(ctx, f"{what}_start", t0, rank))


@from_layer("AutoContrast")
def auto_contrast(layer, ctx: KerasLayerContext):
    (x,) = ctx.call_args[:1]
    rank = len(x.shape)
    if rank != 4:
        raise ctx.fail("only a batch of images (rank 4) is supported")
    if layer.compute_dtype != "float32":
        raise ctx.fail(f"compute dtype {layer.compute_dtype} (float32 only)")
    value_range = tuple(layer.value_range)
    original = ctx.inputs[0]
    if str(x.dtype) != "float32":
        original = _step(ctx, E.Cast, "float", original, dtype="float32")
    images = original
    if value_range != (0, 255):
        images = _rerange(ctx, images, value_range, (0, 255), rank, "in")
    low = _step(ctx, R.Min, "low", images, axis=[1, 2], keepdims=True)
    high = _step(ctx, R.Max, "high", images, axis=[1, 2], keepdims=True)
    spread = _step(ctx, Subtract, "spread", high, low)
    scale = _step(ctx, E.Divide, "scale", spread, scalar=255.0, scalar_first=True)
    scaled = _step(ctx, Multiply, "scaled", images, scale)
    shift = _step(ctx, Multiply, "shift", low, scale)  # Keras adds (-low) * scale: the same
    stretched = _step(ctx, Subtract, "stretched", scaled, shift)
    result = _step(ctx, E.Clip, "clipped", stretched, min=0.0, max=255.0)
    if value_range != (0, 255):
        result = _rerange(ctx, result, (0, 255), value_range, rank, "out")
    nan = _step(ctx, E.NotEqual, "nan", result, result)
    return ctx.node(E.Where, inputs=[nan, original, result])
