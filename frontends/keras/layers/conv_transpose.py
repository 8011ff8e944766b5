"""Keras Conv1DTranspose/2D/3D -> conv1d/2d/3d_transpose (the kernel keeps Keras'
layout (*kernel_size, filters, C))."""

from nnspec.spec.ops.conv_transpose import Conv1DTranspose, Conv2DTranspose, Conv3DTranspose

from ...contexts import KerasLayerContext
from .._common import activation_name, bias_params, require_channels_last
from ..registry import from_layer

_CLASSES = {
    "Conv1DTranspose": Conv1DTranspose,
    "Conv2DTranspose": Conv2DTranspose,
    "Conv3DTranspose": Conv3DTranspose,
}


@from_layer(*_CLASSES)
def conv_transpose(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    require_channels_last(ctx)
    output_padding = cfg.get("output_padding")
    if isinstance(output_padding, int):
        output_padding = (output_padding,) * len(cfg["kernel_size"])
    return ctx.node(
        _CLASSES[type(layer).__name__],
        filters=cfg["filters"],
        kernel_size=tuple(cfg["kernel_size"]),
        strides=tuple(cfg["strides"]),
        padding=cfg["padding"].lower(),
        output_padding=tuple(output_padding) if output_padding is not None else None,
        dilation_rate=tuple(cfg["dilation_rate"]),
        activation=activation_name(cfg["activation"], ctx),
        use_bias=cfg["use_bias"],
        params=bias_params(ctx, cfg["use_bias"]),
    )
