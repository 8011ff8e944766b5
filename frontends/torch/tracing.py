"""Tracing: the module as a torch.fx graph, at module granularity.

PyTorch's own modules that nnspec converts (Conv2d, LSTM, ...) stay whole (``call_module``
nodes) and the user's modules are traced through, so a ``forward`` with ``+``, ``torch.cat``
or ``x.view(x.size(0), -1)`` becomes ``call_function``/``call_method`` nodes.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from typing import Any

import torch
from torch import fx

from nnspec.spec.errors import ConversionError

from .creation import recording_factories
from .registry import REFUSED, is_torch_class, module_converter


class _Proxy(fx.Proxy):
    """Records ``x += y`` as ``operator.iadd``: fx's own Proxy has no in-place operators, so
    Python falls back to ``x = x + y`` and the graph loses the change a tensor ``x`` (or the
    tensor ``x`` is a view of) undergoes in PyTorch."""


def _inplace_operator(name: str) -> Callable[[fx.Proxy, Any], fx.Proxy]:
    fn = getattr(operator, name)

    def method(self: fx.Proxy, other: Any) -> fx.Proxy:
        return self.tracer.create_proxy("call_function", fn, (self, other), {})

    return method


for _name in ("iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "imatmul"):
    setattr(_Proxy, f"__{_name}__", _inplace_operator(_name))
for _name in ("iand", "ior", "ixor", "ilshift", "irshift"):
    setattr(_Proxy, f"__{_name}__", _inplace_operator(_name))


class _Tracer(fx.Tracer):
    """Keeps the modules nnspec converts (and PyTorch's own) whole; remembers which module
    was being traced when tracing failed, for the error message."""

    def __init__(self) -> None:
        super().__init__()
        # buffers read in forward become graph nodes (get_attr), as parameters do, so that
        # ``self.mask[:, :T]`` with a traced T can be recorded (and become a constant)
        self.proxy_buffer_attributes = True
        self.stack: list[tuple[str, str]] = []
        self.failed_at: list[tuple[str, str]] | None = None

    def proxy(self, node: fx.Node) -> fx.Proxy:
        return _Proxy(node, self)

    def is_leaf_module(self, m: torch.nn.Module, qualname: str) -> bool:
        if module_converter(m) is not None:
            return True
        if is_torch_class(type(m)) and type(m).__name__ in REFUSED:
            return True
        return super().is_leaf_module(m, qualname)

    def call_module(
        self,
        m: torch.nn.Module,
        forward: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        self.stack.append((self.path_of_module(m), type(m).__name__))
        try:
            return super().call_module(m, forward, args, kwargs)
        except Exception:
            if self.failed_at is None:
                self.failed_at = list(self.stack)
            raise
        finally:
            self.stack.pop()


class _Root(torch.nn.Module):
    """Holds a PyTorch module converted whole (``from_torch(nn.Conv2d(...), x)``): fx never
    keeps the root module whole, so it is called from this wrapper instead."""

    def __init__(self, name: str, module: torch.nn.Module) -> None:
        super().__init__()
        self.add_module(name, module)
        self.name = name


class _Root1(_Root):
    def forward(self, input: Any) -> Any:
        return getattr(self, self.name)(input)


class _Root2(_Root):
    def forward(self, input: Any, arg1: Any) -> Any:
        return getattr(self, self.name)(input, arg1)


class _Root3(_Root):
    def forward(self, input: Any, arg1: Any, arg2: Any) -> Any:
        return getattr(self, self.name)(input, arg1, arg2)


def wrap_leaf_root(module: torch.nn.Module, inputs: int) -> torch.nn.Module:
    """A PyTorch module converted whole, wrapped so that fx keeps it one node."""
    cls = type(module)
    if not is_torch_class(cls) or isinstance(module, torch.nn.Sequential):
        return module
    params = inspect.signature(module.forward).parameters.values()
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in positional if p.default is p.empty]
    if not len(required) <= inputs <= len(positional):
        names = ", ".join(repr(p.name) for p in positional)
        raise ConversionError(
            f"nn.{cls.__name__}.forward takes {len(positional)} input(s) "
            f"({names}), example_inputs has {inputs}"
        )
    wrapper = {1: _Root1, 2: _Root2, 3: _Root3}.get(inputs)
    if wrapper is None:
        raise ConversionError(f"nn.{cls.__name__} called with {inputs} inputs is not supported")
    return wrapper(cls.__name__.lower(), module)


def _concrete_args(module: torch.nn.Module, inputs: int) -> dict[str, Any] | None:
    """forward's parameters past the example inputs, fixed to their defaults."""
    try:
        params = list(inspect.signature(module.forward).parameters.values())
    except (TypeError, ValueError):
        return None
    extra = [
        p
        for p in params[inputs:]
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is not p.empty
    ]
    return {p.name: p.default for p in extra} or None


def trace(
    module: torch.nn.Module, inputs: int | None = None, *, simplify: bool = True
) -> fx.GraphModule:
    """The module as an fx GraphModule, or a ConversionError naming where tracing failed.
    forward's parameters past the first ``inputs`` keep their default values. ``simplify``
    merges repeated calls and drops unused nodes (see :func:`simplify`)."""
    tracer = _Tracer()
    concrete = _concrete_args(module, inputs) if inputs is not None else None
    state = {**dict(module.named_parameters()), **dict(module.named_buffers())}
    versions = {k: t._version for k, t in state.items()}
    try:
        with recording_factories():
            graph = tracer.trace(module, concrete_args=concrete)
    except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
        where = tracer.failed_at or []
        path = " > ".join(f"{q!r} ({c})" for q, c in where) if where else None
        root = type(module).__name__
        loc = f"module {path}" if path else f"the forward of {root}"
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "does not support item assignment" in reason:  # x[...] = v on a traced tensor
            raise ConversionError(
                f"cannot convert {root}: {loc} assigns into a tensor (x[...] = value), an "
                "in-place change the spec has no op for",
                node=where[-1][0] if where else None,
                hint="build the tensor with torch.cat or torch.where instead",
            ) from None
        data_dependent = isinstance(e, fx.proxy.TraceError) or "Proxy" in str(e)
        hint = (
            "torch.fx traces forward symbolically: Python control flow (if/for/while, "
            "assert, len(), bool()) on tensors, or on their shapes, cannot be recorded; "
            "make such logic depend on constructor arguments only, or move it out of forward"
            if data_dependent
            else None
        )
        error = ConversionError(
            f"cannot trace {root} with torch.fx: {loc} raised {type(e).__name__}: {reason}"
            + (" (data-dependent control flow)" if data_dependent else ""),
            node=where[-1][0] if where else None,
            hint=hint,
        )
        error.retry_export = True  # torch.export may trace it (export_trace.py)
        raise error from None
    changed = [k for k, t in state.items() if t._version != versions[k]]
    if changed:  # fx runs code on buffers (not traced values) while tracing
        raise ConversionError(
            f"the forward of {type(module).__name__} changes parameter or buffer "
            f"{', '.join(changed)} in place; a spec has no state that persists between calls",
            node=changed[0].rsplit(".", 1)[0] or None,
        )
    gm = fx.GraphModule(module, graph)
    return simplify(gm) if simplify else gm


def simplify(gm: fx.GraphModule) -> fx.GraphModule:
    """Merge repeated calls and drop unused nodes: only once in-place ops are rewired
    (:mod:`.mutation`), since fx drops an in-place op whose result is unused."""
    _merge_repeated_calls(gm.graph)
    gm.graph.eliminate_dead_code()
    return gm


def _merge_repeated_calls(graph: fx.Graph) -> None:
    """A module or function called twice on the same arguments computes the same result at
    inference: keep the first call (``f(x) * g(f(x))`` then converts ``f`` once)."""
    seen: dict[tuple[str, Any, str, str], fx.Node] = {}
    for n in list(graph.nodes):
        if n.op not in ("call_module", "call_function", "call_method"):
            continue
        if isinstance(n.target, str) and n.target.endswith("_") and n.op == "call_method":
            continue  # in-place methods (x.add_(1)) are not repeatable
        key = (n.op, n.target, repr(n.args), repr(n.kwargs))
        if key in seen:
            n.replace_all_uses_with(seen[key])
            graph.erase_node(n)
        else:
            seen[key] = n
