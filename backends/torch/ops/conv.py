"""conv1d/2d/3d -> ``nn.Conv{n}d`` on the channels-first input.

Keras' 'same' padding puts the odd extra cell after. With stride 1 it does not depend on the
input size: the layer's own ``padding=`` when it is symmetric (odd effective kernel), else an
explicit ``F.pad``. With a larger stride it does, so it is always an explicit ``F.pad`` in
``forward`` (computed from the known sizes, or by the ``same_pad`` helper at run time): a
layer shared between inputs of different sizes then pads each call correctly. A symmetric
``zero_padding`` read only by a 'valid' convolution becomes that layer's ``padding=``.
"""

from nnspec.spec.node import static_dim
from nnspec.spec.ops.conv import Conv1D, Conv2D, Conv3D
from nnspec.spec.types import same_padding

from ...codegen_common import literal, non_default, squeeze
from ...contexts import TorchContext
from .._common import kernel_to_torch
from ..describe import Module, Op
from ..layout import channels_first
from ..registry import converter

CONV_DEFAULTS = dict(stride=1, padding=0, dilation=1, groups=1, bias=True)


def same_pairs(x_type, kernel, strides, dilation) -> list[tuple[int, int]] | None:
    """Keras' 'same' (before, after) cells per spatial axis; None when a size is unknown
    and the padding depends on it (a stride above 1)."""
    pairs = []
    for size, k, s, d in zip(x_type.shape[1:-1], kernel, strides, dilation):
        if s == 1:
            total = (k - 1) * d
            pairs.append((total // 2, total - total // 2))
        elif isinstance(size, int):
            pairs.append(same_padding(size, k, s, d))
        else:
            return None
    return pairs


def pad(ctx: TorchContext, x: str, pairs, window, value: float | None = None) -> str:
    """``x`` (channels-first) padded by ``pairs``, or by ``same_pad`` at run time when
    ``pairs`` is None; ``window`` is (kernel_size, strides, dilation_rate)."""
    extra = f", value={literal(value)}" if value is not None else ""
    if pairs is None:
        args = ", ".join(literal(v) for v in window)
        return f"{ctx.helper('same_pad')}({x}, {args}{extra})"
    if not any(a or b for a, b in pairs):
        return x
    flat = [p for pair in reversed(pairs) for p in pair]  # F.pad starts at the last axis
    return f"F.pad({x}, {literal(tuple(flat))}{extra})"


def padded_input(node, ctx: TorchContext) -> tuple[str, object]:
    """(channels-first input expression, ``padding`` for the torch layer) of a window op
    with ``kernel_size``, ``strides``, ``dilation_rate`` and ``padding`` attributes."""
    x = ctx.x
    window = (node.kernel_size, node.strides, node.dilation_rate)
    if node.padding == "valid":
        return x, ctx.padding_before or 0
    if node.padding == "causal":  # all the padding before
        return pad(ctx, x, [((node.kernel_size[0] - 1) * node.dilation_rate[0], 0)], window), 0
    pairs = same_pairs(ctx.in_types[0], *window)
    if pairs is not None and all(s == 1 for s in node.strides) and all(a == b for a, b in pairs):
        return x, tuple(a for a, _ in pairs)
    return pad(ctx, x, pairs, window), 0


def conv_module(
    node, ctx: TorchContext, cls: str, c_in: int, c_out: int, padding, weights, groups=1
):
    return Module(
        cls,
        (c_in, c_out),
        dict(
            kernel_size=squeeze(node.kernel_size),
            **non_default(
                CONV_DEFAULTS,
                stride=node.strides,
                padding=padding,
                dilation=node.dilation_rate,
                groups=groups,
                bias="bias" in weights,
            ),
        ),
        weights,
    )


@converter(Conv1D, Conv2D, Conv3D, layout=channels_first, absorbs_padding=True)
def conv(node, ctx: TorchContext) -> Op:
    x, padding = padded_input(node, ctx)
    weights = {"weight": kernel_to_torch(ctx.params["kernel"])}
    if node.use_bias:
        weights["bias"] = ctx.params["bias"]
    layer = ctx.attr()
    cls = f"nn.Conv{len(node.kernel_size)}d"
    channels = static_dim(ctx.in_types[0], -1, "input channels")
    module = conv_module(node, ctx, cls, channels, node.filters, padding, weights, node.groups)
    # the layer's fresh output, read by no backward: a ReLU may overwrite it
    return Op(ctx.activation(f"{layer}({x})", inplace=True), modules={layer: module})
