"""Keras layer converters, one module per spec op module (same names as spec/ops/)."""

KERAS_LAYER_MODULES = (
    "conv",
    "dense",
    "recurrent",
)
