"""PyTorch converters: nn modules keyed by class name, functions and tensor methods by name.

Building the registry imports the converter modules (which import torch); looking up a name
needs no module instance. A module class is matched only when it is the very class
``torch.nn`` exports under that name: a user's class that happens to be called ``Linear`` is
traced through like any other user module, and ``torch.ao.nn.qat.Linear`` (fake-quantised
weights, other numbers) is not converted as ``nn.Linear``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from nnspec.spec.discover import public_modules

from ..contexts import TorchNodeContext

# ``fn(module, ctx) -> Value`` for nn modules, ``fn(ctx) -> Value`` for functions and methods.
ModuleConverter = Callable[[Any, TorchNodeContext], Any]
FunctionConverter = Callable[[TorchNodeContext], Any]
M = TypeVar("M", bound=ModuleConverter)
F = TypeVar("F", bound=FunctionConverter)

_MODULES: dict[str, ModuleConverter] = {}
_FUNCTIONS: dict[str, FunctionConverter] = {}

# Modules refused on purpose, with the reason shown to the user (the README's support table).
REFUSED = {
    **{
        name: "its forward takes fused fast paths fx cannot trace, and decoders are not "
        "converted; build the block from nn.MultiheadAttention, nn.Linear and nn.LayerNorm "
        "(nn.TransformerEncoder and nn.TransformerEncoderLayer convert)"
        for name in ("Transformer", "TransformerDecoder", "TransformerDecoderLayer")
    },
    "Bilinear": "the spec has no bilinear (two-input weighted) op",
    "EmbeddingBag": "the spec has no bag-of-embeddings reduction",
    "LSTMCell": "single-step cells need a Python loop over time, which fx cannot trace into "
    "one op; use nn.LSTM",
    "GRUCell": "single-step cells need a Python loop over time; use nn.GRU",
    "RNNCell": "single-step cells need a Python loop over time; use nn.RNN",
    "LocalResponseNorm": "the spec has no local response normalisation",
    "Fold": "the spec has no col2im op",
    "Unfold": "the spec has no im2col op",
    "FractionalMaxPool2d": "random pooling regions cannot be described by a spec",
    "FractionalMaxPool3d": "random pooling regions cannot be described by a spec",
    "LPPool1d": "the spec has no power-average pooling",
    "LPPool2d": "the spec has no power-average pooling",
    "MaxUnpool1d": "the spec has no unpooling op",
    "MaxUnpool2d": "the spec has no unpooling op",
    "MaxUnpool3d": "the spec has no unpooling op",
    "RReLU": "its slope is random in training and an average at inference; use LeakyReLU",
    "Softmin": "the spec has no softmin; write softmax(-x)",
    "Softmax2d": "use Softmax(dim=-3)",
    "Threshold": "the spec has no threshold op with a replacement value",
    "ChannelShuffle": "the spec has no channel shuffle op",
    "CosineSimilarity": "use the spec's dot op with normalize (not converted from torch yet)",
    "PairwiseDistance": "the spec has no distance op",
}


def from_module(*class_names: str) -> Callable[[M], M]:
    """Register ``fn(module, ctx) -> Value`` for PyTorch module classes (by class name)."""

    def register(fn: M) -> M:
        for name in class_names:
            if name in _MODULES:
                raise RuntimeError(f"a converter for nn.{name} is already registered")
            _MODULES[name] = fn
        return fn

    return register


def from_function(*names: str) -> Callable[[F], F]:
    """Register ``fn(ctx) -> Value`` for functions and tensor methods by name (``relu``
    covers ``F.relu``, ``torch.relu`` and ``x.relu()``; ``add`` covers ``+`` too)."""

    def register(fn: F) -> F:
        for name in names:
            if name in _FUNCTIONS:
                raise RuntimeError(f"a converter for function {name!r} is already registered")
            _FUNCTIONS[name] = fn
        return fn

    return register


@cache
def _load_builtin() -> None:
    for mod in public_modules(f"{__package__}.modules"):
        importlib.import_module(f"{__package__}.modules.{mod}")


def is_torch_class(cls: type) -> bool:
    return getattr(cls, "__module__", "").startswith(("torch.nn", "torch.ao.nn"))


def is_stock_class(cls: type) -> bool:
    """The class ``torch.nn`` exports under this class's name (not another class of the
    same name in ``torch.ao.nn``, nor a user's subclass)."""
    nn = sys.modules["torch"].nn
    return getattr(nn, cls.__name__, None) is cls


def module_converter(module: object) -> ModuleConverter | None:
    _load_builtin()
    cls = type(module)
    return _MODULES.get(cls.__name__) if is_stock_class(cls) else None


def namesake_reason(module: object) -> str | None:
    """Why a PyTorch class named like a converted ``torch.nn`` class is not converted."""
    _load_builtin()
    cls = type(module)
    if cls.__name__ not in _MODULES or is_stock_class(cls):
        return None
    return (
        f"{cls.__module__}.{cls.__qualname__} is not torch.nn.{cls.__name__}, whose "
        "computation nnspec converts (quantised and QAT modules compute differently)"
    )


def function_converter(name: str) -> FunctionConverter | None:
    _load_builtin()
    return _FUNCTIONS.get(name)


def supported_modules() -> set[str]:
    _load_builtin()
    return set(_MODULES)


def supported_functions() -> set[str]:
    _load_builtin()
    return set(_FUNCTIONS)
