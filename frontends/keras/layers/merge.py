"""Keras merge layers -> the merge ops. Add, Subtract and Average ignore their inputs' masks
(they only pass them on); Multiply, Maximum and Minimum read them in ``call``, and are then
written out as Keras 3.15 computes them (merge_masked.py)."""

from nnspec.spec.ops.merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)

from ...contexts import KerasLayerContext
from ..registry import from_layer
from .merge_masked import MASK_READERS, masked_merge

_CLASSES = {
    "Add": Add,
    "Subtract": Subtract,
    "Multiply": Multiply,
    "Average": Average,
    "Maximum": Maximum,
    "Minimum": Minimum,
}


@from_layer(*_CLASSES)
def merge(layer, ctx: KerasLayerContext):
    kind = type(layer).__name__
    if kind in MASK_READERS:
        out = masked_merge(layer, ctx)
        if out is not None:
            return out
    return ctx.node(_CLASSES[kind])


@from_layer("Concatenate")
def concatenate(layer, ctx: KerasLayerContext):
    return ctx.node(Concatenate, axis=int(ctx.config["axis"]))


@from_layer("Dot")
def dot(layer, ctx: KerasLayerContext):
    axes = ctx.config["axes"]
    axes = int(axes) if isinstance(axes, int) else tuple(int(a) for a in axes)
    return ctx.node(Dot, axes=axes, normalize=bool(ctx.config["normalize"]))
