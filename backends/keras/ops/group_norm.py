from nnspec.spec.ops.group_norm import GroupNorm

from ...codegen_common import non_default
from ...contexts import KerasContext
from ..registry import converter


@converter(GroupNorm)
def group_norm(node: GroupNorm, ctx: KerasContext) -> str:
    weights = ([ctx.params["gamma"]] if node.scale else []) + (
        [ctx.params["beta"]] if node.center else []
    )
    defaults = dict(
        groups=32,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
    )
    kwargs = non_default(defaults, **{k: getattr(node, k) for k in defaults})
    return f"{ctx.layer('layers.GroupNormalization', weights=weights, **kwargs)}({ctx.x})"
