"""Keras converters, one module per spec op module (same names as spec/ops/); every
public module here is loaded by the registry, none is listed."""
