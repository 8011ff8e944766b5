from nnspec.spec.ops.permute import Permute

from ..registry import from_layer


@from_layer("Permute")
def permute(layer, ctx):
    return ctx.node(Permute, dims=[int(d) for d in ctx.config["dims"]])
