"""Layer converters keyed by the Keras class name, so building the registry imports no Keras.

A name is not an identity: a layer reaches a converter only when its class is Keras' own
(``stock_class``), so a user's ``class Conv2D(keras.layers.Conv2D)`` with its own ``call``
is traced (trace.py), never converted as the stock layer.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from nnspec.spec.discover import public_modules

from ..contexts import KerasLayerContext
from .refused import LAYER_REFUSALS

# ``fn(layer, ctx) -> Node | list[Node]``; the layer is a keras.Layer (untyped).
LayerConverter = Callable[[Any, KerasLayerContext], Any]
F = TypeVar("F", bound=LayerConverter)

_CONVERTERS: dict[str, LayerConverter] = {}

# Layers refused on purpose, with the reason shown to the user.
REFUSED = {
    "Lambda": "it runs arbitrary Python code, which a spec cannot describe safely; "
    "replace it with built-in layers or register an op (nnspec.register_op)",
    "TFSMLayer": "it wraps a TensorFlow SavedModel, not Keras layers",
    **LAYER_REFUSALS,
}


def from_layer(*class_names: str) -> Callable[[F], F]:
    """Register ``fn(layer, ctx) -> Node | list[Node]`` for Keras layer classes."""

    def register(fn: F) -> F:
        for name in class_names:
            if name in _CONVERTERS:
                raise RuntimeError(f"a Keras layer converter for {name} is already registered")
            _CONVERTERS[name] = fn
        return fn

    return register


@cache
def _load_builtin() -> None:
    for mod in public_modules(f"{__package__}.layers"):
        importlib.import_module(f"{__package__}.layers.{mod}")


# What a subclass may define without changing what the layer computes (anything else,
# ``__call__`` included, is treated as a change of computation).
_CONFIG_ONLY = frozenset(
    {"__init__", "get_config", "from_config", "__module__", "__qualname__", "__doc__"}
    | {"__dict__", "__weakref__", "__firstlineno__", "__static_attributes__"}
    | {"__annotations__", "__annotate__", "__classcell__"}
)


def _nnspec_runtime_class(cls: type) -> bool:
    """A layer class of nnspec's generated Keras code: ``backends/keras/ops/_runtime.py``'s
    class of that name, or its copy in a generated file (the same code, method by method)."""
    if not (getattr(cls, "__module__", "") or "").startswith(("nnspec", "nnspec_generated")):
        return False
    runtime = importlib.import_module("nnspec.backends.keras.ops._runtime")
    ref = getattr(runtime, cls.__name__, None)
    if cls is ref:
        return True
    if not isinstance(ref, type):
        return False

    def code(c: type) -> dict:
        return {k: v.__code__.co_code for k, v in vars(c).items() if hasattr(v, "__code__")}

    return code(cls) == code(ref) and cls.__bases__ == ref.__bases__


def stock_class(cls: type) -> bool:
    """Keras' own class: defined in a ``keras.src`` module and the very object found there by
    its qualified name (a user's class with a copied ``__module__`` is not that object); or
    a layer class of nnspec's own generated code."""
    module = getattr(cls, "__module__", None) or ""
    if not module.startswith("keras.src."):
        return _nnspec_runtime_class(cls)
    obj: object = sys.modules.get(module)
    for part in getattr(cls, "__qualname__", "").split("."):
        obj = getattr(obj, part, None)
    return obj is cls


# Keras base classes a custom layer derives from (no computation of their own).
_BASES = ("object", "Layer", "Operation", "Model", "Functional", "Sequential", "RNN")


def _stock_key(cls: type) -> str:
    if cls.__module__.startswith("keras.src.ops."):
        return "ops." + cls.__name__
    return cls.__name__


def layer_key(operation) -> str:
    """The registry key of a graph operation: its class name for a stock layer,
    ``ops.<Class>`` for a keras.ops operation (``x + 3.0`` on a symbolic tensor records
    ``keras.src.ops.numpy.Add``, a different class from ``keras.layers.Add`` with the same
    name), and the full class path, which no converter is registered under, for any other
    class."""
    cls = type(operation)
    if stock_class(cls):
        return _stock_key(cls)
    return f"{cls.__module__}.{cls.__qualname__}"


def custom_class_reason(operation) -> str | None:
    """Why a layer whose class is not Keras' own is refused (None for a stock class)."""
    cls = type(operation)
    if stock_class(cls):
        return None
    _load_builtin()
    mro = cls.__mro__
    base = next(b for b in mro[1:] if stock_class(b) or b is object)
    if base.__name__ in _BASES:
        return f"a custom layer (class {cls.__qualname__} from {cls.__module__})"
    own = {k for c in mro[: mro.index(base)] for k in vars(c)}
    changed = sorted(own - _CONFIG_ONLY)
    what = (
        f"overrides {', '.join(changed)}, so it does not compute what the stock layer does"
        if changed
        else "nnspec converts only Keras' own classes, whose computation it knows"
    )
    return (
        f"class {cls.__qualname__} from {cls.__module__} subclasses keras {base.__name__} "
        f"and {what}"
    )


def converter_for(class_name: str) -> LayerConverter | None:
    _load_builtin()
    return _CONVERTERS.get(class_name)


def supported() -> set[str]:
    _load_builtin()
    return set(_CONVERTERS)
