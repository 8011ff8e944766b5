"""Keras converters, one module per spec op module (same names as spec/ops/)."""

KERAS_OP_MODULES = (
    "conv",
    "dense",
    "recurrent",
)
