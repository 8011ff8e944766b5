import numpy as np

from nnspec.spec.ops.normalization import Normalization

from ...codegen_common import non_default
from ...contexts import KerasContext
from ..registry import converter


@converter(Normalization)
def normalization(node: Normalization, ctx: KerasContext) -> str:
    # Keras' weights: mean and variance (same layout as the spec's), then the int64 count.
    # The build sets them and calls finalize_state(), which Keras needs to use new values.
    count = ctx.params.get("count", np.array(0, dtype=np.int64))
    weights = [ctx.params["mean"], ctx.params["variance"], count]
    kwargs = non_default(dict(axis=-1, invert=False), axis=node.axis, invert=node.invert)
    return f"{ctx.layer('layers.Normalization', weights=weights, **kwargs)}({ctx.x})"
