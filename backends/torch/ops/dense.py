"""Dense -> nn.Linear over the last axis. After a flatten of a channels-first tensor, the
kernel's rows are permuted here, at conversion, so the features need no permute at run time."""

import numpy as np

from nnspec.spec.ops.dense import Dense

from ...contexts import TorchContext
from ..describe import Module, Op
from ..layout import CL, Choice, FlatCF, canonical
from ..registry import converter


def reads_flat(node, types, have) -> Choice:
    """A flattened NCHW tensor as it is; anything else channels-last."""
    if isinstance(have[0], FlatCF):
        return Choice((have[0],), CL)
    return canonical(node, types, have)


def rows_to_flat_cf(kernel: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Kernel (H*W*C, out) -> its rows in the (C, H, W) order of an NCHW flatten."""
    *spatial, c = shape
    n = len(spatial)
    k = kernel.reshape(*spatial, c, kernel.shape[-1])
    return k.transpose(n, *range(n), n + 1).reshape(kernel.shape)


@converter(Dense, layout=reads_flat)
def dense(node: Dense, ctx: TorchContext) -> Op:
    kernel = ctx.params["kernel"]
    comment = ""
    if isinstance(ctx.layout, FlatCF):
        kernel = rows_to_flat_cf(kernel, ctx.layout.shape)
        comment = "rows permuted at conversion: reads an NCHW flatten"
    weights = {"weight": kernel.T}
    if node.use_bias:
        weights["bias"] = ctx.params["bias"]
    kwargs = {} if node.use_bias else {"bias": False}
    layer = ctx.attr()
    module = Module(
        "nn.Linear", (ctx.in_types[0].shape[-1], node.units), kwargs, weights, comment=comment
    )
    # the layer's fresh output, read by no backward: a ReLU may overwrite it
    return Op(ctx.activation(f"{layer}({ctx.x})", inplace=True), modules={layer: module})
