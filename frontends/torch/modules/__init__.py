"""PyTorch converters, one module per spec op module (same names as spec/ops/)."""

TORCH_MODULE_MODULES = (
    "activation",
    "attention",
    "batch_norm",
    "conv",
    "conv_transpose",
    "cropping",
    "dense",
    "dropout",
    "embedding",
    "flatten",
    "global_pool",
    "group_norm",
    "layer_norm",
    "merge",
    "permute",
    "pooling",
    "recurrent",
    "reshape",
    "upsampling",
    "zero_padding",
)
