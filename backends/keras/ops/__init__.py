"""Keras converters, one module per spec op module (same names as spec/ops/)."""

KERAS_OP_MODULES = (
    "conv",
    "conv_transpose",
    "cropping",
    "dense",
    "depthwise_conv",
    "global_pool",
    "layer_scale",
    "pooling",
    "recurrent",
    "resizing",
    "separable_conv",
    "upsampling",
    "zero_padding",
)
