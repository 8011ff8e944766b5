from nnspec.spec.ops.conv import Conv1D, Conv2D, Conv3D

from .._common import activation_name, bias_params
from ..registry import from_layer

_CLASSES = {"Conv1D": Conv1D, "Conv2D": Conv2D, "Conv3D": Conv3D}


@from_layer(*_CLASSES)
def conv(layer, ctx):
    cfg = ctx.config
    ctx.require("data_format", "channels_last", None)
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
