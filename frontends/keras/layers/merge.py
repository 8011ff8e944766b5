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
    return ctx.node(_CLASSES[type(layer).__name__])


@from_layer("Concatenate")
def concatenate(layer, ctx: KerasLayerContext):
    return ctx.node(Concatenate, axis=int(ctx.config["axis"]))


@from_layer("Dot")
def dot(layer, ctx: KerasLayerContext):
    axes = ctx.config["axes"]
    axes = int(axes) if isinstance(axes, int) else tuple(int(a) for a in axes)
    return ctx.node(Dot, axes=axes, normalize=bool(ctx.config["normalize"]))
