from nnspec.spec.node import normalize_axes
from nnspec.spec.ops.layer_norm import LayerNorm

from ...contexts import KerasLayerContext
from ..registry import from_layer


@from_layer("LayerNormalization")
def layer_norm(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    if cfg.get("rms_scaling"):
        raise ctx.refuse(
            "rms_scaling",
            "Keras deprecated it: it scales by the variance, not the root mean square",
        )
    axis = cfg["axis"]
    x_shape = ctx.in_shapes[0]
    if isinstance(axis, list | tuple):  # Keras sorts them as given (negative ones first)
        axis = sorted((int(a) for a in axis), key=lambda a: a % len(x_shape))
        axis = axis[0] if len(axis) == 1 else axis
    # Keras shapes gamma/beta by its axes sorted as given and broadcasts them by reshape; the
    # spec's layout is the dims at the (non-negative) axes in increasing order: a reshape.
    shape = tuple(x_shape[a] for a in normalize_axes(axis, len(x_shape)))
    w = ctx.weights()
    params = {k: w[k].reshape(shape) for k in ("gamma", "beta") if k in w}
    return ctx.node(
        LayerNorm,
        axis=axis,
        epsilon=float(cfg["epsilon"]),
        center=cfg["center"],
        scale=cfg["scale"],
        params=params,
    )
