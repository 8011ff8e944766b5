"""PyTorch module and function converters, one module per spec op module or family of
PyTorch calls; every public module here is loaded by the registry, none is listed."""
