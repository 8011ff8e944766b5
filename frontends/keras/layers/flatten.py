from nnspec.spec.ops.flatten import Flatten
from nnspec.spec.ops.permute import Permute

from ...contexts import KerasLayerContext
from ..registry import from_layer


@from_layer("Flatten")
def flatten(layer, ctx: KerasLayerContext):
    rank = len(ctx.in_shapes[0])
    if ctx.config.get("data_format") == "channels_first" and rank > 2:
        # Keras moves axis 1 last before flattening: the same as a permute, then flatten.
        first = ctx.node(Permute, suffix="channels_last", dims=[*range(2, rank), 1])
        return [first, ctx.node(Flatten, inputs=[first.name])]
    return ctx.node(Flatten)
