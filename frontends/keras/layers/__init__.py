"""Keras layer converters, one module per spec op module (same names as spec/ops/)."""

KERAS_LAYER_MODULES = (
    "applications",
    "conv",
    "conv_transpose",
    "cropping",
    "dense",
    "depthwise_conv",
    "global_pool",
    "keras_ops",
    "layer_scale",
    "pooling",
    "recurrent",
    "resizing",
    "separable_conv",
    "upsampling",
    "zero_padding",
)
