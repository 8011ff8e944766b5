from nnspec.spec.ops.batch_norm import BatchNorm

from ...codegen_common import non_default
from ...contexts import KerasContext
from ..registry import converter

_INITIALIZERS = dict(
    beta_initializer="zeros",
    gamma_initializer="ones",
    moving_mean_initializer="zeros",
    moving_variance_initializer="ones",
)


@converter(BatchNorm)
def batch_norm(node: BatchNorm, ctx: KerasContext) -> str:
    p = ctx.params
    weights = ([p["gamma"]] if node.scale else []) + ([p["beta"]] if node.center else [])
    weights += [p["moving_mean"], p["moving_variance"]]
    defaults = dict(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, **_INITIALIZERS)
    kwargs = non_default(defaults, **{k: getattr(node, k) for k in defaults})
    return f"{ctx.layer('layers.BatchNormalization', weights=weights, **kwargs)}({ctx.x})"
