from nnspec.spec.ops.dense import Dense

from ...contexts import KerasLayerContext
from .._common import activation_name, bias_params
from ..registry import from_layer


@from_layer("Dense")
def dense(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    return ctx.node(
        Dense,
        units=cfg["units"],
        activation=activation_name(cfg["activation"], ctx),
        use_bias=cfg["use_bias"],
        params=bias_params(ctx, cfg["use_bias"]),
    )
