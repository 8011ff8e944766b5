"""Keras DepthwiseConv1D/2D -> depthwise_conv1d/2d (kernel (*k, C, depth_multiplier))."""

from nnspec.spec.ops.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D

from ...contexts import KerasLayerContext
from .._common import activation_name, bias_params, require_channels_last
from ..registry import from_layer

_CLASSES = {"DepthwiseConv1D": DepthwiseConv1D, "DepthwiseConv2D": DepthwiseConv2D}


@from_layer(*_CLASSES)
def depthwise_conv(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    require_channels_last(ctx)
    return ctx.node(
        _CLASSES[type(layer).__name__],
        kernel_size=tuple(cfg["kernel_size"]),
        strides=tuple(cfg["strides"]),
        padding=cfg["padding"].lower(),
        depth_multiplier=cfg["depth_multiplier"],
        dilation_rate=tuple(cfg["dilation_rate"]),
        activation=activation_name(cfg["activation"], ctx),
        use_bias=cfg["use_bias"],
        params=bias_params(ctx, cfg["use_bias"]),
    )
