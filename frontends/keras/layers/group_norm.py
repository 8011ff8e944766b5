from nnspec.spec.ops.group_norm import GroupNorm

from ...contexts import KerasLayerContext
from ..registry import from_layer


@from_layer("GroupNormalization")
def group_norm(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    groups = layer.groups  # -1 (instance normalisation) is the channel count once built
    w = ctx.weights()
    return ctx.node(
        GroupNorm,
        groups=int(groups),
        axis=int(cfg["axis"]),
        epsilon=float(cfg["epsilon"]),
        center=cfg["center"],
        scale=cfg["scale"],
        params={k: w[k] for k in ("gamma", "beta") if k in w},
    )
