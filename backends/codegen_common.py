"""Pieces both code generators share: safe identifiers and safe literals.

No string from a spec ever reaches generated source except through a ``Namespace`` made
with ``identifiers=True`` (spec/names.py: as an identifier) or ``literal`` (as a ``repr``).
"""

from __future__ import annotations

import keyword
import math
import re
import symtable
from typing import TYPE_CHECKING

from nnspec._version import __version__

if TYPE_CHECKING:
    import numpy as np

    from nnspec.spec.model import Model
    from nnspec.spec.node import Node
    from nnspec.spec.validate import Analysis

VERSION = __version__

_BAD = re.compile(r"[^0-9A-Za-z_]")


def literal(v) -> str:
    """Python source for a plain value; refuses anything but None/bool/int/float/str/tuple/list."""
    if v is None or isinstance(v, bool | int | str):
        return repr(v)
    if isinstance(v, float):
        if math.isnan(v):
            return 'float("nan")'
        if math.isinf(v):
            return 'float("inf")' if v > 0 else '-float("inf")'
        return repr(v)
    if isinstance(v, tuple):
        inner = ", ".join(literal(x) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    if isinstance(v, list):
        return "[" + ", ".join(literal(x) for x in v) + "]"
    if hasattr(v, "item") and getattr(v, "shape", None) == ():  # numpy scalar
        return literal(v.item())
    raise TypeError(f"cannot write {type(v).__name__} {v!r} into generated code")


def call(fn: str, *args: str, **kwargs) -> str:
    """``fn(arg, key=literal(value))``; positional args are already source text."""
    parts = list(args) + [f"{k}={literal(v)}" for k, v in kwargs.items()]
    return f"{fn}({', '.join(parts)})"


def file_stem(name: str) -> str:
    """A file name (without ``.py``) for a generated module named ``name`` that is ASCII and
    cannot shadow a module it imports: a model named ``torch`` must not write ``torch.py``."""
    import importlib.util
    import sys

    stem = _BAD.sub("_", name).strip("_") or "model"
    if stem[0].isdigit():
        stem = "model_" + stem
    taken = keyword.iskeyword(stem) or stem in sys.stdlib_module_names
    if taken or importlib.util.find_spec(stem) is not None:
        stem += "_model"
    return stem


def used_names(code: str) -> set[str]:
    """The module-level names a piece of generated code reads (to import only what it uses):
    every name referenced at module level or as a global inside a function or class.

    Read from the symbol tables Python builds while compiling (``symtable``), not by walking
    an AST in Python: a generated ResNet50 or EfficientNetV2L has tens of thousands of AST
    nodes, and making them as Python objects costs more than the whole compile."""
    found: set[str] = set()
    todo = [symtable.symtable(code, "<generated>", "exec")]
    while todo:
        table = todo.pop()
        top = table.get_type() == "module"
        found.update(
            s.get_name()
            for s in table.get_symbols()
            if s.is_referenced() and (top or s.is_global())
        )
        todo.extend(table.get_children())
    return found


def class_name(text: str) -> str:
    words = [w for w in _BAD.sub(" ", str(text)).replace("_", " ").split() if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    if name[0].isdigit():
        name = "Model" + name
    return name if not keyword.iskeyword(name) else name + "Model"


def squeeze(v):
    """``(3, 3)`` -> ``3``: framework layers take one int for equal sizes; else unchanged."""
    if isinstance(v, tuple) and v and all(i == v[0] for i in v):
        return v[0]
    return v


def unwrap1(v):
    """``(3,)`` -> ``3``; longer tuples unchanged (each axis stays visible)."""
    return v[0] if isinstance(v, tuple) and len(v) == 1 else v


def non_default(defaults: dict, compact=squeeze, **kwargs) -> dict:
    """The keyword arguments whose value differs from the constructor's default, written
    with ``compact`` (``squeeze`` or ``unwrap1``), so generated calls read like hand-written
    ones: ``layers.Conv2D(8, 3, strides=2)``, ``nn.Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2))``."""
    out = {}
    for key, value in kwargs.items():
        if key not in defaults or squeeze(defaults[key]) != squeeze(value):
            out[key] = compact(value)
    return out


def checked_analysis(model: Model) -> Analysis:
    """Shapes and weights of a valid spec (raises SpecError listing every problem); the
    analysis ``Model.check()`` kept when the model has not changed since (spec/checked.py)."""
    from nnspec.spec.checked import checked_analysis as checked

    return checked(model)


def model_params(model: Model, a: Analysis, seed: int | None = 0) -> dict[str, np.ndarray]:
    """The model's weights, or initial values drawn from the spec's initialisers."""
    from nnspec.spec.init import initial_params

    if model.params:
        return model.params
    return initial_params({n.id: a.weights[n.id] for n in model.nodes}, seed)


def node_params(node: Node, a: Analysis, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A node's weights by short name (those of the node it ``shares``, if it does)."""
    owner = node.shares or node.id
    return {k: params[f"{owner}/{k}"] for k in a.weights[owner]}
