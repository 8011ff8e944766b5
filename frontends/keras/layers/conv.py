"""Keras Conv1D/2D/3D -> conv1d/2d/3d (every padding, including Conv1D's 'causal', every
stride, dilation and group count Keras accepts)."""

from nnspec.spec.ops.conv import Conv1D, Conv2D, Conv3D

from ...contexts import KerasLayerContext
from .._common import activation_name, bias_params, require_channels_last
from ..registry import from_layer

_CLASSES = {"Conv1D": Conv1D, "Conv2D": Conv2D, "Conv3D": Conv3D}


@from_layer(*_CLASSES)
def conv(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    require_channels_last(ctx)
    return ctx.node(
        _CLASSES[type(layer).__name__],
        filters=cfg["filters"],
        kernel_size=tuple(cfg["kernel_size"]),
        strides=tuple(cfg["strides"]),
        padding=cfg["padding"],
        dilation_rate=tuple(cfg["dilation_rate"]),
        groups=cfg.get("groups", 1),
        activation=activation_name(cfg["activation"], ctx),
        use_bias=cfg["use_bias"],
        params=bias_params(ctx, cfg["use_bias"]),
    )
