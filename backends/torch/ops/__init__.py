"""PyTorch converters, one module per spec op module (same names as spec/ops/)."""

TORCH_OP_MODULES = (
    "conv",
    "dense",
    "recurrent",
)
