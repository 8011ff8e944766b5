"""Layer converters keyed by the Keras class name, so building the registry imports no Keras."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache

_CONVERTERS: dict[str, Callable] = {}

# Layers refused on purpose, with the reason shown to the user.
REFUSED = {
    "Lambda": "it runs arbitrary Python code, which a spec cannot describe safely; "
    "replace it with built-in layers or register an op (nnspec.register_op)",
    "TFSMLayer": "it wraps a TensorFlow SavedModel, not Keras layers",
}


def from_layer(*class_names: str):
    """Register ``fn(layer, ctx) -> Node | list[Node]`` for Keras layer classes."""

    def register(fn):
        for name in class_names:
            if name in _CONVERTERS:
                raise RuntimeError(f"a Keras layer converter for {name} is already registered")
            _CONVERTERS[name] = fn
        return fn

    return register


@cache
def _load_builtin() -> None:
    from .layers import KERAS_LAYER_MODULES

    for mod in KERAS_LAYER_MODULES:
        importlib.import_module(f"{__package__}.layers.{mod}")


def layer_key(operation) -> str:
    """The registry key of a graph operation: its class name for a layer, ``ops.<Class>`` for
    a keras.ops operation (``x + 3.0`` on a symbolic tensor records ``keras.src.ops.numpy.Add``,
    a different class from ``keras.layers.Add`` with the same name)."""
    cls = type(operation)
    if cls.__module__.startswith("keras.src.ops."):
        return "ops." + cls.__name__
    return cls.__name__


def converter_for(class_name: str) -> Callable | None:
    _load_builtin()
    return _CONVERTERS.get(class_name)


def supported() -> set[str]:
    _load_builtin()
    return set(_CONVERTERS)
