"""Keras SeparableConv1D/2D -> separable_conv1d/2d (depthwise and pointwise kernels as Keras
keeps them)."""

from nnspec.spec.ops.separable_conv import SeparableConv1D, SeparableConv2D

from ...contexts import KerasLayerContext
from .._common import activation_name, require_channels_last
from ..registry import from_layer

_CLASSES = {"SeparableConv1D": SeparableConv1D, "SeparableConv2D": SeparableConv2D}


@from_layer(*_CLASSES)
def separable_conv(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    require_channels_last(ctx)
    w = ctx.weights()
    params = {"depthwise_kernel": w["depthwise_kernel"], "pointwise_kernel": w["pointwise_kernel"]}
    if cfg["use_bias"]:
        params["bias"] = w["bias"]
    return ctx.node(
        _CLASSES[type(layer).__name__],
        filters=cfg["filters"],
        kernel_size=tuple(cfg["kernel_size"]),
        strides=tuple(cfg["strides"]),
        padding=cfg["padding"].lower(),
        depth_multiplier=cfg["depth_multiplier"],
        dilation_rate=tuple(cfg["dilation_rate"]),
        activation=activation_name(cfg["activation"], ctx),
        use_bias=cfg["use_bias"],
        params=params,
    )
