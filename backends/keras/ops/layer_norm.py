from nnspec.spec.node import normalize_axis
from nnspec.spec.ops.layer_norm import LayerNorm

from ...codegen_common import non_default
from ...contexts import KerasContext
from ..registry import converter


@converter(LayerNorm)
def layer_norm(node: LayerNorm, ctx: KerasContext) -> str:
    x_type = ctx.in_types[0]
    # Keras shapes gamma/beta by its axes sorted as given (negative ones first) and reshapes
    # them to broadcast; the spec's layout is the increasing order, so a reshape converts.
    axes = [node.axis] if isinstance(node.axis, int) else sorted(node.axis)
    keras_shape = tuple(x_type.shape[normalize_axis(a, x_type.rank)] for a in axes)
    weights = []
    for key, on in (("gamma", node.scale), ("beta", node.center)):
        if on:
            weights.append(ctx.params[key].reshape(keras_shape))
    defaults = dict(
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
    )
    kwargs = non_default(defaults, **{k: getattr(node, k) for k in defaults})
    return f"{ctx.layer('layers.LayerNormalization', weights=weights, **kwargs)}({ctx.x})"
