from nnspec.spec.ops.permute import Permute

from ...contexts import KerasLayerContext
from ..registry import from_layer


@from_layer("Permute")
def permute(layer, ctx: KerasLayerContext):
    return ctx.node(Permute, dims=[int(d) for d in ctx.config["dims"]])
