"""How graph nodes are named: in messages (:func:`describe`) and in the converter registry
(:func:`op_name`). Imports no torch (the nodes passed in are torch.fx nodes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .registry import is_torch_class

if TYPE_CHECKING:
    import torch
    from torch import fx

# In-place operators fx may record, and their plain names.
_INPLACE = {"iadd": "add", "isub": "sub", "imul": "mul", "itruediv": "truediv"}


def describe(n: fx.Node, module: torch.nn.Module | None = None, *, node: bool = True) -> str:
    """How a graph node is named in messages: the module path and class, or the function
    (and the graph node's name, unless the message carries it already)."""
    if n.op == "call_module":
        cls = type(module).__name__ if module is not None else "?"
        return (
            f"module {n.target!r} (nn.{cls})"
            if module is not None and is_torch_class(type(module))
            else f"module {n.target!r} ({cls})"
        )
    where = f" (node {n.name!r})" if node else ""
    if n.op == "call_method":
        return f"method .{n.target}(){where}"
    if n.op == "call_function" and type(n.target).__name__ == "OpOverload":  # torch.export
        from .export_trace import describe_aten

        return describe_aten(n)
    if n.op == "call_function":
        mod = getattr(n.target, "__module__", None) or ""
        name = getattr(n.target, "__name__", repr(n.target))
        if mod in ("_operator", "operator"):
            return f"operator {name}{where}"
        return f"function {mod + '.' if mod else ''}{name}{where}"
    if n.op == "get_attr":
        return f"attribute self.{n.target}{where}"
    return f"{n.op} {n.name!r}"


def op_name(n: fx.Node) -> str:
    """The registry name of a function or method node: ``F.relu``, ``torch.relu`` and
    ``x.relu()`` are all ``relu``; in-place forms drop their ``_``."""
    if n.op == "call_method":
        name = n.target
    else:
        name = getattr(n.target, "__name__", "")
        mod = getattr(n.target, "__module__", None) or ""
        if mod in ("_operator", "operator"):
            name = _INPLACE.get(name, name)
        elif not (mod.startswith("torch") or mod == "builtins"):
            return f"{mod}.{name}"
    if name.endswith("_") and not name.startswith("_"):
        name = name[:-1]
    return name
