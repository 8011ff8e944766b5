"""The op catalog. Adding an op: one module here, its line in OP_MODULES, and its converters.

Each module lists its node classes in ``OPS``; a module holds one op or one family sharing
attributes and a shape rule (``pooling`` holds max/avg pooling in 1-3 D). OP_MODULES names
the tags of each module so that loading a spec imports only the modules it uses (a test
checks the table against the classes).
"""

from __future__ import annotations

import difflib
import importlib
from functools import cache

from ..errors import SchemaError
from ..node import Node

OP_MODULES: dict[str, tuple[str, ...]] = {
    "constant": ("constant", "zeros_like", "ones_like", "full_like"),
    "elementwise": (
        "abs",
        "neg",
        "sign",
        "exp",
        "log",
        "log1p",
        "log2",
        "log10",
        "sqrt",
        "rsqrt",
        "square",
        "reciprocal",
        "sin",
        "cos",
        "tanh",
        "erf",
        "floor",
        "ceil",
        "round",
        "log_sigmoid",
        "tanh_shrink",
        "clip",
        "softplus",
        "shrink",
        "logical_not",
        "cast",
        "divide",
        "floor_divide",
        "mod",
        "power",
        "equal",
        "not_equal",
        "less",
        "less_equal",
        "greater",
        "greater_equal",
        "logical_and",
        "logical_or",
        "logical_xor",
        "where",
    ),
    "reduce": (
        "sum",
        "mean",
        "max",
        "min",
        "prod",
        "var",
        "std",
        "logsumexp",
        "norm",
        "any",
        "all",
        "argmax",
        "argmin",
        "cumsum",
    ),
    "linalg": ("matmul", "einsum", "scaled_dot_product_attention"),
    "shape_ops": (
        "squeeze",
        "expand_dims",
        "broadcast_to",
        "tile",
        "repeat_interleave",
        "split",
        "stack",
        "flip",
        "roll",
        "pad",
        "depth_to_space",
        "space_to_depth",
    ),
    "indexing": ("slice", "take", "take_along_axis"),
    "spatial_ops": ("instance_norm", "adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate"),
    "activation": ("activation", "relu", "leaky_relu", "prelu", "elu", "softmax"),
    "attention": ("multi_head_attention", "attention", "additive_attention"),
    "batch_norm": ("batch_norm",),
    "conv": ("conv1d", "conv2d", "conv3d"),
    "conv_transpose": ("conv1d_transpose", "conv2d_transpose", "conv3d_transpose"),
    "cropping": ("cropping1d", "cropping2d", "cropping3d"),
    "dense": ("dense",),
    "depthwise_conv": ("depthwise_conv1d", "depthwise_conv2d"),
    "dropout": (
        "identity",
        "dropout",
        "spatial_dropout",
        "gaussian_noise",
        "gaussian_dropout",
        "alpha_dropout",
        "activity_regularization",
    ),
    "embedding": ("embedding",),
    "flatten": ("flatten",),
    "global_pool": (
        "global_max_pool1d",
        "global_max_pool2d",
        "global_max_pool3d",
        "global_avg_pool1d",
        "global_avg_pool2d",
        "global_avg_pool3d",
    ),
    "group_norm": ("group_norm",),
    "layer_norm": ("layer_norm",),
    "layer_scale": ("layer_scale",),
    "masking": ("masking",),
    "merge": ("add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"),
    "normalization": ("normalization",),
    "permute": ("permute",),
    "pooling": ("max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d"),
    "recurrent": ("lstm", "gru", "simple_rnn"),
    "repeat_vector": ("repeat_vector",),
    "rescaling": ("rescaling",),
    "reshape": ("reshape",),
    "rms_norm": ("rms_norm",),
    "resizing": ("resizing", "center_crop"),
    "separable_conv": ("separable_conv1d", "separable_conv2d"),
    "time_distributed": ("time_distributed",),
    "unit_norm": ("unit_norm",),
    "upsampling": ("upsampling1d", "upsampling2d", "upsampling3d"),
    "zero_padding": ("zero_padding1d", "zero_padding2d", "zero_padding3d"),
}

_user_ops: dict[str, type[Node]] = {}


_MODULE_OF = {tag: mod for mod, tags in OP_MODULES.items() for tag in tags}


@cache
def _module_ops(mod: str) -> dict[str, type[Node]]:
    ops = {cls.tag(): cls for cls in importlib.import_module(f"{__name__}.{mod}").OPS}
    if tuple(ops) != OP_MODULES[mod]:
        raise RuntimeError(
            f"OP_MODULES[{mod!r}] lists {OP_MODULES[mod]}, the module declares {tuple(ops)}"
        )
    return ops


def _builtin() -> dict[str, type[Node]]:
    return {tag: cls for mod in OP_MODULES for tag, cls in _module_ops(mod).items()}


def catalog() -> dict[str, type[Node]]:
    """Op tag -> node class, built-in ops and those added with :func:`register_op`."""
    return {**_builtin(), **_user_ops}


def op_modules() -> dict[str, object]:
    """Op tag -> the module declaring it (for samples and docs)."""
    return {cls.tag(): importlib.import_module(cls.__module__) for cls in catalog().values()}


def register_op(cls: type[Node]) -> type[Node]:
    """Add a user-defined op to the catalog (usable as a decorator). Tags must be new."""
    if not (isinstance(cls, type) and issubclass(cls, Node)):
        raise TypeError(f"register_op expects a Node subclass, got {cls!r}")
    tag = cls.tag()
    if not isinstance(tag, str) or not tag:
        raise TypeError(f"{cls.__name__} needs `op: Literal['<tag>'] = '<tag>'`")
    if tag in catalog():
        raise ValueError(f"op {tag!r} is already registered")
    _user_ops[tag] = cls
    return cls


def unregister_op(tag: str) -> None:
    _user_ops.pop(tag, None)


def op_class(tag: object) -> type[Node]:
    """The node class for a tag, or a SchemaError suggesting the nearest known names."""
    if isinstance(tag, str) and tag in _user_ops:
        return _user_ops[tag]
    if isinstance(tag, str) and tag in _MODULE_OF:
        return _module_ops(_MODULE_OF[tag])[tag]
    ops = catalog()
    near = difflib.get_close_matches(str(tag), list(ops), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(repr(n) for n in near)}?" if near else None
    raise SchemaError(f"unknown op {tag!r}", attr="op", hint=hint)
