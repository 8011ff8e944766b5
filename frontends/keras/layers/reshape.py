from nnspec.spec.ops.reshape import Reshape

from ..registry import from_layer


@from_layer("Reshape")
def reshape(layer, ctx):
    return ctx.node(Reshape, target_shape=[int(d) for d in ctx.config["target_shape"]])
