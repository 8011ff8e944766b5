from nnspec.spec.ops.batch_norm import BatchNorm

from ...contexts import KerasLayerContext
from ..registry import from_layer
from .masked import data_input


@from_layer("BatchNormalization")
def batch_norm(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    if cfg.get("renorm"):
        raise ctx.refuse(
            "renorm", "batch renormalisation keeps extra statistics nnspec does not model"
        )
    axis = cfg["axis"]
    if isinstance(axis, list | tuple):
        if len(axis) != 1:
            raise ctx.refuse("axis", "normalising over several feature axes")
        axis = axis[0]
    w = ctx.weights()
    params = {k: w[k] for k in ("gamma", "beta", "moving_mean", "moving_variance") if k in w}
    return ctx.node(
        BatchNorm,
        inputs=[data_input(ctx)],  # a mask only selects training statistics
        axis=int(axis),
        momentum=float(cfg["momentum"]),
        epsilon=float(cfg["epsilon"]),
        center=cfg["center"],
        scale=cfg["scale"],
        params=params,
    )
