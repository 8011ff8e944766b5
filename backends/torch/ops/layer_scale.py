from nnspec.spec.ops.layer_scale import LayerScale

from ...contexts import TorchContext
from ..describe import Op, Tensor
from ..registry import converter


@converter(LayerScale)
def layer_scale(node: LayerScale, ctx: TorchContext) -> Op:
    gamma = ctx.attr("gamma")
    return Op(f"{ctx.x} * {gamma}", tensors={gamma: Tensor(ctx.params["gamma"])})
