"""Converters from spec nodes to Keras source, keyed by node class."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

from nnspec.spec.errors import UnsupportedOpError
from nnspec.spec.node import Node

_CONVERTERS: dict[type[Node], Callable] = {}


def converter(*classes: type[Node]):
    """Register ``fn(node, ctx) -> expression`` for these node classes (once each)."""

    def register(fn):
        for cls in classes:
            if cls in _CONVERTERS:
                raise RuntimeError(f"a keras converter for {cls.__name__} is already registered")
            _CONVERTERS[cls] = fn
        return fn

    return register


@cache
def _load_builtin() -> None:
    from .ops import KERAS_OP_MODULES

    for mod in KERAS_OP_MODULES:
        importlib.import_module(f"{__package__}.ops.{mod}")


def converter_for(node: Node) -> Callable:
    _load_builtin()
    fn = _CONVERTERS.get(type(node))
    if fn is None:
        raise UnsupportedOpError(
            f"no Keras converter for op {node.op!r}",
            node=node.name,
            op=node.op,
            hint="register one with nnspec.backends.keras.registry.converter",
        )
    return fn


def supported() -> set[type[Node]]:
    _load_builtin()
    return set(_CONVERTERS)
