from nnspec.spec.ops.rms_norm import RMSNorm

from ...codegen_common import non_default
from ..registry import converter


@converter(RMSNorm)
def rms_norm(node: RMSNorm, ctx) -> str:
    kwargs = non_default(dict(axis=-1, epsilon=1e-6), axis=node.axis, epsilon=node.epsilon)
    call = ctx.layer("layers.RMSNormalization", weights=[ctx.params["scale"]], **kwargs)
    return f"{call}({ctx.x})"
