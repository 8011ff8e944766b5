"""The op catalog. Adding an op: one module here, its name in OP_MODULES, and its converters.

Each module lists its node classes in ``OPS``; a module holds one op or one family sharing
attributes and a shape rule (``pooling`` holds max/avg pooling in 1-3 D).
"""

from __future__ import annotations

import difflib
import importlib
from functools import cache

from ..errors import SchemaError
from ..node import Node

OP_MODULES = (
    "activation",
    "attention",
    "batch_norm",
    "conv",
    "conv_transpose",
    "cropping",
    "dense",
    "depthwise_conv",
    "dropout",
    "embedding",
    "flatten",
    "global_pool",
    "group_norm",
    "layer_norm",
    "layer_scale",
    "masking",
    "merge",
    "normalization",
    "permute",
    "pooling",
    "recurrent",
    "repeat_vector",
    "rescaling",
    "reshape",
    "resizing",
    "separable_conv",
    "time_distributed",
    "unit_norm",
    "upsampling",
    "zero_padding",
)

_user_ops: dict[str, type[Node]] = {}


@cache
def _builtin() -> dict[str, type[Node]]:
    ops: dict[str, type[Node]] = {}
    for mod in OP_MODULES:
        for cls in importlib.import_module(f"{__name__}.{mod}").OPS:
            tag = cls.tag()
            if tag in ops:
                raise RuntimeError(f"op {tag!r} is declared twice ({ops[tag]} and {cls})")
            ops[tag] = cls
    return ops


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
    ops = catalog()
    if isinstance(tag, str) and tag in ops:
        return ops[tag]
    near = difflib.get_close_matches(str(tag), list(ops), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(repr(n) for n in near)}?" if near else None
    raise SchemaError(f"unknown op {tag!r}", attr="op", hint=hint)
