from nnspec.spec.ops.reshape import Reshape

from ...contexts import KerasLayerContext
from ..registry import from_layer


@from_layer("Reshape")
def reshape(layer, ctx: KerasLayerContext):
    return ctx.node(Reshape, target_shape=[int(d) for d in ctx.config["target_shape"]])
