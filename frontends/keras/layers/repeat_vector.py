from nnspec.spec.ops.repeat_vector import RepeatVector

from ...contexts import KerasLayerContext
from ..registry import from_layer


@from_layer("RepeatVector")
def repeat_vector(layer, ctx: KerasLayerContext):
    return ctx.node(RepeatVector, n=int(ctx.config["n"]))
