"""Keras layer converters, one module per spec op module (same names as spec/ops/) or
family of Keras classes; every public module here is loaded by the registry, none is listed."""
