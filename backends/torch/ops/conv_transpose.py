"""conv1d/2d/3d_transpose -> ``nn.ConvTranspose{n}d`` on the channels-first input.

Keras (TensorFlow) computes the output length L first (see spec/ops/conv_transpose.py) and
takes L cells of the full transposed convolution, of length F = (n - 1) * stride + k', starting
at the 'same' padding a forward convolution of L cells would put before: p = max(F - L, 0) // 2.
PyTorch's layer starts at ``padding`` p too and gives F - 2p + ``output_padding`` cells, so
``output_padding`` = L - F + 2p. That is below the stride whenever L >= F; when F - L is odd
it is -1, and the layer gives one cell too many at the end, which a slice removes.
"""

from nnspec.spec.ops.conv_transpose import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    deconv_length,
)

from ...codegen_common import non_default, squeeze
from ...contexts import TorchContext
from .._common import kernel_to_torch
from ..describe import Module, Op
from ..layout import channels_first
from ..registry import converter

DEFAULTS = dict(stride=1, padding=0, output_padding=0, dilation=1, bias=True)


def torch_padding(node) -> tuple[tuple[int, ...], tuple[int, ...], tuple[bool, ...]]:
    """(padding, output_padding, crop one cell at the end) per spatial axis."""
    ops = node.output_padding or (None,) * node.rank
    padding, output_padding, crop = [], [], []
    for k, s, d, op in zip(node.kernel_size, node.strides, node.dilation_rate, ops):
        # F - L does not depend on the input length: measure it on any length, e.g. 8.
        full = (8 - 1) * s + (k - 1) * d + 1
        excess = full - deconv_length(8, k, s, node.padding, op, d)
        p = max(excess, 0) // 2
        extra = 2 * p - excess if excess > 0 else -excess
        padding.append(p)
        output_padding.append(max(extra, 0))
        crop.append(extra < 0)
    return tuple(padding), tuple(output_padding), tuple(crop)


@converter(Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, layout=channels_first)
def conv_transpose(node, ctx: TorchContext) -> Op:
    padding, output_padding, crop = torch_padding(node)
    weights = {"weight": kernel_to_torch(ctx.params["kernel"])}  # (*k, out, in) -> (in, out, *k)
    if node.use_bias:
        weights["bias"] = ctx.params["bias"]
    kwargs = non_default(
        DEFAULTS,
        stride=node.strides,
        padding=padding,
        output_padding=output_padding,
        dilation=node.dilation_rate,
        bias=node.use_bias,
    )
    module = Module(
        f"nn.ConvTranspose{node.rank}d",
        (ctx.in_types[0].shape[-1], node.filters),
        dict(kernel_size=squeeze(node.kernel_size), **kwargs),
        weights,
    )
    layer = ctx.attr()
    y = f"{layer}({ctx.x})"
    if any(crop):
        y += "[:, :, " + ", ".join(":-1" if c else ":" for c in crop) + "]"
    return Op(ctx.activation(y), modules={layer: module})
