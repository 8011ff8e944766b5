"""conv1d/2d/3d -> ``nn.Conv{n}d`` on a channels-first view of the channels-last tensor.

Keras' 'same' padding puts the odd extra cell after; PyTorch's ``padding="same"`` does the
same but only for stride 1, so strided 'same' convolutions get an explicit ``F.pad``.
"""

from nnspec.spec.ops.conv import Conv1D, Conv2D, Conv3D

from ...codegen_common import non_default, squeeze
from .._common import channels_first, channels_last, conv_padding, kernel_to_torch
from ..codegen import literal
from ..registry import converter

CONV_DEFAULTS = dict(stride=1, padding=0, dilation=1, groups=1, bias=True)


def padded_input(node, ctx) -> tuple[str, object]:
    """(channels-first input expression, ``padding`` for the torch layer) of a window op
    with ``kernel_size``, ``strides``, ``dilation_rate`` and ``padding`` attributes."""
    x = channels_first(ctx.x)
    if node.padding == "same" and all(s == 1 for s in node.strides):
        return x, "same"  # PyTorch pads as TensorFlow does (extra cell after) for stride 1
    padding, explicit, dynamic = conv_padding(node, ctx.in_types[0])
    if explicit:
        x = f"F.pad({x}, {literal(explicit)})"
    elif dynamic:
        args = ", ".join(literal(v) for v in (node.kernel_size, node.strides, node.dilation_rate))
        x = f"{ctx.helper('same_pad')}({x}, {args})"
    return x, padding


@converter(Conv1D, Conv2D, Conv3D)
def conv(node, ctx) -> str:
    x, padding = padded_input(node, ctx)
    weights = {"weight": kernel_to_torch(ctx.params["kernel"])}
    if node.use_bias:
        weights["bias"] = ctx.params["bias"]
    layer = ctx.module(
        f"nn.Conv{len(node.kernel_size)}d",
        ctx.in_types[0].shape[-1],
        node.filters,
        squeeze(node.kernel_size),
        weights=weights,
        **non_default(
            CONV_DEFAULTS,
            stride=node.strides,
            padding=padding,
            dilation=node.dilation_rate,
            groups=node.groups,
            bias=node.use_bias,
        ),
    )
    return ctx.activation(channels_last(f"{layer}({x})"))
