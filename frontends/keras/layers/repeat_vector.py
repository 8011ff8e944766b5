from nnspec.spec.ops.repeat_vector import RepeatVector

from ..registry import from_layer


@from_layer("RepeatVector")
def repeat_vector(layer, ctx):
    return ctx.node(RepeatVector, n=int(ctx.config["n"]))
