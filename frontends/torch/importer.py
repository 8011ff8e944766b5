"""nn.Module -> spec + weights: torch.fx traces the module, an example run gives every shape,
and each graph node is converted in order, tracking the layout of every tensor.

Tracing is at module granularity: PyTorch's own modules that nnspec converts (Conv2d, LSTM,
...) stay whole (``call_module`` nodes) and the user's modules are traced through, so a
``forward`` with ``+``, ``torch.cat`` or ``x.view(x.size(0), -1)`` becomes
``call_function``/``call_method`` nodes. Values that do not depend on the input data
(``x.size(0)``, ``x.shape[1] * 2``) are taken from the example run.
"""

from __future__ import annotations

import importlib.util
import inspect
import operator
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from pydantic import ValidationError
from torch import fx

from nnspec.spec.errors import ConversionError
from nnspec.spec.model import InputSpec, Model
from nnspec.spec.node import Node
from nnspec.spec.ops.dropout import Identity
from nnspec.spec.ops.flatten import Flatten
from nnspec.spec.ops.permute import Permute
from nnspec.spec.ops.reshape import Reshape
from nnspec.spec.passes.dead_nodes import dead_nodes
from nnspec.spec.passes.fuse_activation import fuse_activation

from .boundary import (
    batch_dims,
    batch_perm,
    check_no_merged,
    layout_note,
    stack_output,
)
from .constants import constant_nodes, constant_value
from .creation import recording_factories
from .mutation import MutationLog, functionalize
from .registry import (
    REFUSED,
    function_converter,
    is_torch_class,
    module_converter,
    namesake_reason,
)
from .shape_values import shape_nodes, shape_value
from .values import Const, Stack, Tensor, Zeros, channels_last, identity, permute_dims

LAYOUTS = ("channels_first", "channels_last")
_DTYPES = {torch.float32: "float32", torch.int64: "int64", torch.int32: "int32", torch.bool: "bool"}
_REQUIRED = object()
# In-place operators fx may record, and their plain names.
_INPLACE = {"iadd": "add", "isub": "sub", "imul": "mul", "itruediv": "truediv"}


# --- tracing ------------------------------------------------------------------------------


class _Proxy(fx.Proxy):
    """Records ``x += y`` as ``operator.iadd``: fx's own Proxy has no in-place operators, so
    Python falls back to ``x = x + y`` and the graph loses the change a tensor ``x`` (or the
    tensor ``x`` is a view of) undergoes in PyTorch."""


def _inplace_operator(name: str):
    fn = getattr(operator, name)

    def method(self, other):
        return self.tracer.create_proxy("call_function", fn, (self, other), {})

    return method


for _name in ("iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "imatmul"):
    setattr(_Proxy, f"__{_name}__", _inplace_operator(_name))
for _name in ("iand", "ior", "ixor", "ilshift", "irshift"):
    setattr(_Proxy, f"__{_name}__", _inplace_operator(_name))


class _Tracer(fx.Tracer):
    """Keeps the modules nnspec converts (and PyTorch's own) whole; remembers which module
    was being traced when tracing failed, for the error message."""

    def __init__(self):
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

    def call_module(self, m, forward, args, kwargs):
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

    def __init__(self, name: str, module: torch.nn.Module):
        super().__init__()
        self.add_module(name, module)
        self.name = name


class _Root1(_Root):
    def forward(self, input):
        return getattr(self, self.name)(input)


class _Root2(_Root):
    def forward(self, input, arg1):
        return getattr(self, self.name)(input, arg1)


class _Root3(_Root):
    def forward(self, input, arg1, arg2):
        return getattr(self, self.name)(input, arg1, arg2)


def _wrap_leaf_root(module: torch.nn.Module, inputs: int) -> torch.nn.Module:
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
        retry = True  # torch.export may trace it (export_trace.py)
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
        error.retry_export = retry
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
    seen: dict[tuple, fx.Node] = {}
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


# --- the example run ----------------------------------------------------------------------


class TensorMeta:
    """Shape and dtype of a tensor seen in the example run."""

    __slots__ = ("dtype", "shape")

    def __init__(self, t: torch.Tensor):
        self.shape = tuple(t.shape)
        self.dtype = t.dtype

    def __repr__(self) -> str:
        return f"TensorMeta({self.shape}, {self.dtype})"


def _summarize(v):
    if isinstance(v, torch.Tensor):
        return TensorMeta(v)
    if isinstance(v, torch.Size):
        return tuple(v)
    if isinstance(v, (tuple, list)):
        return type(v)(_summarize(x) for x in v)
    if isinstance(v, dict):
        return {k: _summarize(x) for k, x in v.items()}
    return v


def _has_tensor(v) -> bool:
    if isinstance(v, TensorMeta):
        return True
    if isinstance(v, (tuple, list)):
        return any(_has_tensor(x) for x in v)
    if isinstance(v, dict):
        return any(_has_tensor(x) for x in v.values())
    return False


class _Recorder(fx.Interpreter):
    """Runs the graph once, storing every node's result summary in ``meta["nnspec"]``."""

    def __init__(self, gm: fx.GraphModule, log: MutationLog | None = None):
        super().__init__(gm)
        self.extra_traceback = False  # our message says which node failed
        self.constants = constant_nodes(gm)
        self.shapes = shape_nodes(gm, self.constants)
        self.log = log

    def run_node(self, n: fx.Node):
        if self.log is not None:
            self.log.before(n)
        try:
            result = super().run_node(n)
        except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
            module = self.module.get_submodule(n.target) if n.op == "call_module" else None
            reason = str(e).splitlines()[0] if str(e) else ""
            raise ConversionError(
                f"{describe(n, module, node=False)} failed on the example inputs: "
                f"{type(e).__name__}: {reason}",
                node=n.name,
                hint="check the number, shapes and dtypes of example_inputs",
            ) from None
        n.meta["nnspec"] = _summarize(result)
        if n in self.constants and isinstance(result, torch.Tensor):
            n.meta["nnspec_value"] = result.detach().cpu().numpy().copy()
        elif n in self.shapes and isinstance(result, torch.Tensor):  # see shape_values.py
            n.meta["nnspec_value"] = result.detach().cpu().numpy().copy()
            n.meta["nnspec_shapes"] = self.shapes
        if self.log is not None:
            self.log.after(n, result)
        return result


def _module_of(gm: fx.GraphModule, n: fx.Node) -> torch.nn.Module | None:
    return gm.get_submodule(n.target) if n.op == "call_module" else None


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
    if n.op == "call_function" and isinstance(n.target, torch._ops.OpOverload):
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


# --- conversion -----------------------------------------------------------------------------


class Ctx:
    """What a converter sees: its arguments as values (Tensor, Const, Stack, Python values),
    the example run's result, and helpers to emit spec nodes in the right layout."""

    def __init__(self, imp: _Importer, n: fx.Node, module: torch.nn.Module | None = None):
        self._imp = imp
        self.fx = n
        self.module = module
        self.name = n.name
        if module is not None and n.name[:1] == "_" and n.name[1:2].isdigit():
            self.name = type(module).__name__.lower() + n.name  # Sequential's "3" -> linear_3
        self.args = fx.node.map_arg(n.args, imp.value)
        self.kwargs = fx.node.map_arg(n.kwargs, imp.value)
        self.meta = n.meta.get("nnspec")

    @property
    def what(self) -> str:
        return describe(self.fx, self.module, node=False)

    @property
    def op(self) -> str:
        """The registry name of a function or method node (``relu`` for ``F.relu_``)."""
        return op_name(self.fx)

    # arguments ----------------------------------------------------------------------------

    def arg(self, i: int, name: str, default: Any = _REQUIRED) -> Any:
        if len(self.args) > i:
            return self.args[i]
        if name in self.kwargs:
            return self.kwargs[name]
        if default is _REQUIRED:
            raise self.refuse(f"argument {name!r} is missing")
        return default

    def tensor(self, v: Any, what: str = "input") -> Tensor:
        """``v`` as a Tensor computed from the model inputs, or a clear refusal."""
        if isinstance(v, Tensor):
            return v
        if isinstance(v, Const) and v.value is not None and not v.batch:
            from .constants import as_tensor

            return as_tensor(self, v, None, what)
        if isinstance(v, Const) and v.value is not None:  # made from the batch size
            from .shape_values import batch_tensor

            return batch_tensor(self, v)
        if isinstance(v, Const):
            raise self.refuse(
                f"its {what} is {v.what} (shape {tuple(v.shape)}), a tensor that does not "
                "come from the model inputs and whose value depends on the batch size or is "
                "not recorded",
                hint="make it from the inputs (torch.zeros_like(x)), or compute it outside",
            )
        if isinstance(v, Stack):
            raise self.refuse(
                f"its {what} is {v.what} of shape {v.shape}, which stacks layers and "
                "directions ahead of the batch axis; nnspec keeps the batch first",
                hint="index it first (h_n[-1]) or use the output sequence",
            )
        raise self.refuse(f"its {what} is {type(v).__name__} {v!r}, expected a tensor")

    def input(self, i: int = 0, name: str = "input") -> Tensor:
        return self.tensor(self.arg(i, name), name)

    def out_shape(self, *path: int) -> tuple[int, ...]:
        meta = self.meta
        for k in path:
            meta = meta[k]
        return meta.shape

    def out_dtype(self) -> str:
        return _DTYPES.get(self.meta.dtype, "float32")

    # emitting -----------------------------------------------------------------------------

    def emit(
        self,
        cls: type[Node],
        inputs: list[str],
        *,
        suffix: str = "",
        params: dict[str, np.ndarray] | None = None,
        **attrs,
    ) -> str:
        """Add a spec node named after this graph node; returns its name. A module called
        again makes a node that ``shares`` the first call's weights."""
        key = (id(self.module), cls, suffix) if self.module is not None and params else None
        return self._imp.emit(
            cls,
            self.name + (f"_{suffix}" if suffix else ""),
            inputs,
            params=params,
            attrs=attrs,
            what=self.what,
            share_key=key,
        )

    def result(
        self,
        ref: str,
        perm: tuple[int, ...],
        *,
        shape=None,
        nonneg: bool = False,
        flat=None,
        dtype: str | None = None,
        padded=None,
    ) -> Tensor:
        """The Tensor for spec tensor ``ref`` holding this node's output in layout ``perm``."""
        shape = tuple(shape) if shape is not None else self.out_shape()
        t = Tensor(ref, shape, dtype or self.out_dtype(), tuple(perm), nonneg, flat, padded)
        self._imp.expect(t)
        return t

    def expect(self, t: Tensor) -> None:
        """Record the spec shape ``t`` must have (checked once the spec is built)."""
        self._imp.expect(t)

    def as_perm(self, t: Tensor, perm: tuple[int, ...]) -> str:
        return self._imp.as_perm(t, tuple(perm), self.what)

    def channels_last(self, t: Tensor) -> str:
        """``t`` as a channels-last spec tensor (PyTorch's dim 1 last)."""
        return self.as_perm(t, channels_last(t.rank))

    def plain(self, t: Tensor) -> Tensor:
        """``t`` with its features in PyTorch's order (a ``flat`` tensor is restored)."""
        return self._imp.plain(t, self.what)

    def module_of(self, n: fx.Node) -> torch.nn.Module | None:
        """The module a ``call_module`` graph node calls (None for other nodes)."""
        return self._imp.modules.get(n.target) if n.op == "call_module" else None

    def refuse(self, why: str, hint: str | None = None) -> ConversionError:
        return ConversionError(f"{self.what}: {why}", node=self.name, hint=hint)


class _Importer:
    def __init__(self, root_name: str):
        self.root_name = root_name
        self.nodes: list[Node] = []
        self.params: dict[str, np.ndarray] = {}
        self.env: dict[fx.Node, Any] = {}
        self.modules: dict[str, torch.nn.Module] = {}
        self.owners: dict[tuple, Node] = {}  # (module, node class, suffix) -> first node
        self.used: set[str] = set()
        self.expected: dict[str, tuple[int, ...]] = {}
        self._perm_cache: dict[tuple[str, tuple[int, ...]], str] = {}
        self._plain_cache: dict[str, Tensor] = {}
        # inputs and outputs whose batch is not PyTorch's dim 0 (boundary.py)
        self.torch_layout: dict[str, dict] = {}
        self.first_input: Tensor | None = None  # the batch of tensors made from shapes
        self.example_batch = 0

    def value(self, n: fx.Node):
        return self.env[n]

    def unique(self, base: str) -> str:
        name, k = base, 0
        while name in self.used:
            k += 1
            name = f"{base}_{k}"
        self.used.add(name)
        return name

    def emit(self, cls, base, inputs, *, params=None, attrs=None, what="", share_key=None) -> str:
        name = self.unique(base)
        try:
            node = cls(name=name, inputs=list(inputs), **(attrs or {}))
        except ValidationError as e:
            errs = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
            )
            raise ConversionError(
                f"{what}: cannot be written as a {cls.tag()!r} node ({errs})", node=base
            ) from None
        owner = self.owners.get(share_key) if share_key is not None else None
        if owner is not None and owner.attrs() == node.attrs():
            node.shares, params = owner.name, None  # a module called again: one set of weights
        elif share_key is not None and owner is None:
            self.owners[share_key] = node
        self.nodes.append(node)
        for key, value in (params or {}).items():
            value = np.asarray(value)  # floats as float32; integer and bool constants kept
            dtype = value.dtype if value.dtype.kind in "biu" else np.float32
            # np.require keeps a 0-d weight 0-d (ascontiguousarray would make it (1,))
            self.params[f"{name}/{key}"] = np.require(value, dtype, "C")
        return name

    def expect(self, t: Tensor) -> None:
        self.expected.setdefault(t.ref, t.spec_shape)

    def as_perm(self, t: Tensor, perm: tuple[int, ...], what: str) -> str:
        if t.flat is not None and perm == identity(t.rank):
            return self.plain(t, what).ref
        if t.flat is not None:
            t = self.plain(t, what)
        if t.perm == perm:
            return t.ref
        if perm[0] != t.perm[0]:
            raise ConversionError(
                f"{what}: needs PyTorch dim {perm[0]} as the batch axis, but the batch is on "
                f"dim {t.perm[0]} of its input (shape {t.shape}); the spec keeps the batch "
                "on axis 0",
                hint="keep the batch first (batch_first=True), or transpose back before this",
            )
        key = (t.ref, perm)
        if key not in self._perm_cache:
            rank = len(perm)
            if perm == channels_last(rank):
                suffix = "channels_last"
            elif perm == identity(rank):
                suffix = "channels_first" if rank >= 3 else "plain"
            else:
                suffix = "permuted"
            base = t.ref.replace(":", "_") + "_" + suffix
            ref = self.emit(
                Permute, base, [t.ref], attrs={"dims": permute_dims(t.perm, perm)}, what=what
            )
            self.expected.setdefault(ref, tuple(t.shape[p] for p in perm))
            self._perm_cache[key] = ref
        return self._perm_cache[key]

    def plain(self, t: Tensor, what: str) -> Tensor:
        """Undo a channels-last flatten: unflatten, permute to PyTorch order, flatten."""
        if t.flat is None:
            return t
        if t.ref not in self._plain_cache:
            shape, perm = t.flat
            base = t.ref.replace(":", "_")
            spec_shape = [shape[p] for p in perm]
            unflat = self.emit(
                Reshape,
                base + "_unflatten",
                [t.ref],
                attrs={"target_shape": spec_shape[1:]},
                what=what,
            )
            src = Tensor(unflat, shape, t.dtype, perm, t.nonneg)
            self.expect(src)
            ordered = self.as_perm(src, identity(len(shape)), what)
            ref = self.emit(Flatten, base + "_torch_order", [ordered], what=what)
            self._plain_cache[t.ref] = Tensor(ref, t.shape, t.dtype, identity(2), t.nonneg)
            self.expect(self._plain_cache[t.ref])
        return self._plain_cache[t.ref]


def _unsupported(gm: fx.GraphModule) -> list[str]:
    """Every graph node nnspec cannot convert, with the reason."""
    found = []
    modules = dict(gm.named_modules())
    for n in gm.graph.nodes:
        if n.op == "call_module":
            m = modules[n.target]
            cls = type(m).__name__
            if module_converter(m) is not None:
                continue
            if namesake_reason(m) is not None:
                why = namesake_reason(m)
            elif is_torch_class(type(m)):
                why = REFUSED.get(cls, "no converter")
            else:
                why = "no converter (a custom leaf module)"
            found.append(f"{describe(n, m)}: {why}")
        elif n.op in ("call_function", "call_method"):
            if "nnspec_value" in n.meta and (
                "nnspec_shapes" not in n.meta or function_converter(op_name(n)) is None
            ):
                continue  # computed from parameters, constants and shapes only: a constant
            if not _has_tensor(n.meta.get("nnspec")):
                continue  # a value computed from shapes: taken from the example run
            if n.op == "call_function" and n.target is operator.getitem:
                continue  # indexing: handled by the importer and the getitem converter
            if function_converter(op_name(n)) is None:
                found.append(f"{describe(n)}: no converter")
    return found


def _example_list(example_inputs) -> list:
    """One entry per forward argument: a tensor, or a tuple of tensors (``(h0, c0)``)."""
    if isinstance(example_inputs, torch.Tensor):
        return [example_inputs]

    def ok(x) -> bool:
        return isinstance(x, torch.Tensor) or (
            isinstance(x, tuple) and len(x) > 0 and all(isinstance(t, torch.Tensor) for t in x)
        )

    if isinstance(example_inputs, (tuple, list)) and all(ok(x) for x in example_inputs):
        return list(example_inputs)
    raise ConversionError(
        "example_inputs must be a tensor or a tuple of tensors, one per forward argument "
        f"(a tuple of tensors for a tuple argument); got {type(example_inputs).__name__}"
    )


def _clone(x):
    return tuple(t.clone() for t in x) if isinstance(x, tuple) else x.clone()


def from_torch(
    module,
    example_inputs,
    *,
    input_layout: str = "channels_first",
    output_layout: str | None = None,
    name: str | None = None,
    batch_dim: int | tuple[int, ...] = 0,
) -> Model:
    """See :func:`nnspec.frontends.torch.from_torch`. The module is traced and run once in
    eval mode, without gradients; its training flags are restored afterwards."""
    if not isinstance(module, torch.nn.Module):
        raise ConversionError(f"from_torch expects a torch.nn.Module, got {type(module).__name__}")
    for key, value in (("input_layout", input_layout), ("output_layout", output_layout)):
        if value is not None and value not in LAYOUTS:
            raise ConversionError(f"{key} must be one of {LAYOUTS}, got {value!r}", attr=key)
    output_layout = output_layout or input_layout
    examples = _example_list(example_inputs)
    batches = batch_dims(batch_dim, examples)
    if input_layout == "channels_last" and any(batches):
        raise ConversionError(
            "input_layout='channels_last' with a batch_dim other than 0 is not supported",
            attr="batch_dim",
        )
    root = type(module).__name__

    training = {m: m.training for m in module.modules()}
    module.eval()  # trace and run as at inference (``if self.training:`` branches)
    try:
        try:
            gm = trace(_wrap_leaf_root(module, len(examples)), len(examples), simplify=False)
        except ConversionError as e:
            if not getattr(e, "retry_export", False):
                raise
            gm = _export(module, examples, batches, e)
            examples, batches = _flat_examples(examples, batches)
        _check_placeholders(gm, examples, root)
        log = MutationLog(gm)
        with torch.no_grad():  # on copies: an in-place op must not change the caller's inputs
            _Recorder(gm, log).run(*[_clone(x) for x in examples])
        functionalize(gm, log, lambda n: describe(n, _module_of(gm, n)))
        del log  # the example run's tensors
        simplify(gm)
    finally:
        for m, flag in training.items():
            m.training = flag

    bad = _unsupported(gm)
    if bad:
        raise ConversionError(
            f"{root} has {len(bad)} unsupported operation(s): " + "; ".join(bad),
            hint="see the README's support table for what converts from PyTorch",
        )

    imp = _Importer(root)
    imp.modules = modules = dict(gm.named_modules())
    inputs: dict[str, InputSpec] = {}
    outputs: list[str] = []
    placeholders: list[fx.Node] = []
    for n in gm.graph.nodes:
        if n.op == "placeholder" and n.args:  # a parameter fixed to its default
            imp.env[n] = n.args[0]
        elif n.op == "placeholder":
            k = len(placeholders)
            placeholders.append(n)
            imp.env[n] = _input(imp, str(n.target), examples[k], batches[k], input_layout, inputs)
        elif n.op == "output":
            outputs = _outputs(imp, n, output_layout, inputs)
        else:
            imp.env[n] = _convert(imp, n, modules)

    spec = Model(
        name=name or root,
        inputs=inputs,
        nodes=imp.nodes,
        outputs=outputs,
        metadata={
            "source": "torch",
            "torch_version": torch.__version__.split("+")[0],
            "input_layout": input_layout,
            **({"torch_layout": imp.torch_layout} if imp.torch_layout else {}),
        },
    )
    spec.params = imp.params
    spec.check()
    _check_shapes(spec, imp)
    # conv -> relu as conv(activation=relu), as Keras writes it (and the backends emit it);
    # padding merged into a 'same' convolution leaves its zero_padding node unused.
    return dead_nodes(fuse_activation(spec)).check()


def _export(
    module, examples: list, batches: list[int], fx_error: ConversionError
) -> fx.GraphModule:
    """The module through torch.export, where fx failed; both reasons when export fails."""
    from .export_trace import export_graph

    try:
        return export_graph(module, examples, batches)
    except ConversionError as e:
        issue = fx_error.issues[0]
        raise ConversionError(
            f"{issue.message}; {e.message}", node=issue.node, hint=issue.hint
        ) from None


def _flat_examples(examples: list, batches: list[int]) -> tuple[list, list[int]]:
    """One example per input tensor (the exported graph takes a tuple's tensors apart)."""
    flat, flat_batches = [], []
    for x, b in zip(examples, batches):
        for t in x if isinstance(x, tuple) else (x,):
            flat.append(t)
            flat_batches.append(b)
    return flat, flat_batches


def _check_placeholders(gm: fx.GraphModule, examples: list[torch.Tensor], root: str) -> None:
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder" and not n.args]
    if len(placeholders) != len(examples):
        names = ", ".join(repr(p.target) for p in placeholders)
        raise ConversionError(
            f"{root}.forward takes {len(placeholders)} input(s) ({names}), "
            f"example_inputs has {len(examples)}"
        )
    for p, example in zip(placeholders, examples):
        for x in example if isinstance(example, tuple) else (example,):
            _check_example(p, x)


def _check_example(p: fx.Node, x: torch.Tensor) -> None:
    if x.dtype not in _DTYPES:
        raise ConversionError(
            f"input {p.target!r} has dtype {x.dtype}; nnspec inputs are float32, int32 or int64",
            hint="pass example inputs as .float() or .long()",
        )
    if x.dim() < 1:
        raise ConversionError(f"input {p.target!r} is a scalar; inputs need a batch axis")


def _input(imp: _Importer, name: str, example, batch: int, layout: str, inputs: dict):
    """The value of a forward argument: one spec input per tensor (``hidden_0``,
    ``hidden_1`` for a tuple ``hidden``), batch first."""
    if isinstance(example, tuple):
        return tuple(
            _input(imp, f"{name}_{i}", x, batch, layout, inputs) for i, x in enumerate(example)
        )
    rank = example.dim()
    if batch:
        perm = batch_perm(name, rank, batch)
    elif layout == "channels_last" and example.is_floating_point():
        perm = channels_last(rank)
    else:
        perm = identity(rank)
    ref = imp.unique(name)
    t = Tensor(ref, tuple(example.shape), _DTYPES[example.dtype], perm)
    inputs[ref] = InputSpec(shape=["batch", *t.spec_shape[1:]], dtype=t.dtype)
    if imp.first_input is None:
        imp.first_input, imp.example_batch = t, t.shape[perm[0]]
    if perm[0] != 0:
        imp.torch_layout[ref] = layout_note(t.shape, perm)
    return t


def _convert(imp: _Importer, n: fx.Node, modules: dict[str, torch.nn.Module]):
    meta = n.meta.get("nnspec")
    if not _has_tensor(meta) and n.op != "get_attr":
        return meta  # computed from shapes and constants: the example run's value
    if "nnspec_shapes" in n.meta:  # made from shapes (and constants) in forward
        made = _shape_made(imp, n)
        if made is not None:
            return made
    elif "nnspec_value" in n.meta:  # a parameter, a buffer, or computed from them only
        return constant_value(imp, n)
    if n.op == "get_attr":
        shape = tuple(meta.shape) if isinstance(meta, TensorMeta) else ()
        return Const(f"self.{n.target}", shape)
    if n.op == "call_function" and n.target is operator.getitem:
        container = imp.value(n.args[0])
        if isinstance(container, (tuple, list)):
            return container[n.args[1]]
    module = modules[n.target] if n.op == "call_module" else None
    ctx = Ctx(imp, n, module)
    kind = type(module).__name__ if module is not None else op_name(n)
    if kind not in _MERGED_OK:
        check_no_merged(ctx.what, _flat_values((ctx.args, ctx.kwargs)))
    if module is not None:
        fn = module_converter(module)
        out = fn(module, ctx)
    else:
        fn = function_converter(op_name(n))
        out = fn(ctx)
    return out


# Ops that read a merged view (boundary.py) correctly: over its kept trailing dims.
_MERGED_OK = {"softmax", "log_softmax", "Softmax", "LogSoftmax"}


def _flat_values(v) -> list:
    if isinstance(v, (tuple, list)):
        return [x for item in v for x in _flat_values(item)]
    if isinstance(v, dict):
        return _flat_values(list(v.values()))
    return [v]


def _shape_made(imp: _Importer, n: fx.Node):
    """A tensor made from shapes: its value (see shape_values.py), the converter's
    (``torch.zeros(L, B, H)``, an initial state), or None to convert it as any node."""
    c = shape_value(Ctx(imp, n), n, n.meta["nnspec_shapes"], imp.example_batch)
    name = op_name(n)
    if c is not None and c.batch and name in ("zeros", "new_zeros"):
        return Zeros(c.what, c.shape, value=c.value, batch=True)  # also an initial state
    if c is not None:
        return c
    if function_converter(name) is not None:
        return None
    raise ConversionError(
        f"{describe(n)} makes a tensor of shape {n.meta['nnspec_value'].shape} from the batch "
        "size whose values differ along the batch, or whose batch is not dim 0 (or a dim "
        "of another size); the spec cannot make it",
        node=n.name,
        hint="make it from the inputs (torch.zeros_like(x)), or use a batch size unlike "
        "the model's other dims in example_inputs",
    )


def _outputs(imp: _Importer, n: fx.Node, layout: str, inputs) -> list[str]:
    value = fx.node.map_arg(n.args[0], imp.value)
    flat: list = []

    def collect(v):
        if isinstance(v, (tuple, list)):
            for x in v:
                collect(x)
        else:
            flat.append(v)

    collect(value)
    refs = []
    moved_batch = bool(imp.torch_layout)  # batch_dim was given: outputs may move theirs too
    for k, v in enumerate(flat):
        what = f"output {k} of {imp.root_name}.forward"
        if moved_batch and isinstance(v, Stack):
            ref, perm = stack_output(imp, v, what)
            refs.append(ref)
            imp.torch_layout[f"output {k}"] = layout_note(v.shape, perm)
            continue
        if isinstance(v, Tensor) and v.merged is not None:
            shape, perm = v.merged
            refs.append(v.ref)
            note = layout_note(shape, perm)
            imp.torch_layout[f"output {k}"] = {**note, "then_view": list(v.shape)}
            continue
        if moved_batch and isinstance(v, Tensor) and v.perm[0] != 0 and v.flat is None:
            refs.append(v.ref)
            imp.torch_layout[f"output {k}"] = layout_note(v.shape, v.perm)
            continue
        if isinstance(v, Const) and v.batch and v.value is not None:
            v = Ctx(imp, n).tensor(v, what)  # made from the batch size, returned
        if not isinstance(v, Tensor):
            kind = v.what if isinstance(v, (Const, Stack)) else f"{type(v).__name__} {v!r}"
            raise ConversionError(
                f"{what} is {kind}; the spec's outputs are tensors computed from the inputs",
                hint="return tensors only (index h_n first: h_n[-1])",
            )
        if v.perm[0] != 0:
            raise ConversionError(
                f"{what} holds the batch on dim {v.perm[0]} (shape {v.shape}); the spec's "
                "outputs keep the batch first",
                hint="transpose it to batch-first before returning",
            )
        perm = channels_last(v.rank) if layout == "channels_last" else identity(v.rank)
        ref = imp.as_perm(v, perm, what)
        if ref in inputs or ref in refs:
            ref = imp.emit(Identity, f"output_{k}", [ref], what=what)
        refs.append(ref)
    return refs


def _check_shapes(spec: Model, imp: _Importer) -> None:
    """Every spec tensor has the shape the layout bookkeeping predicted (an internal check
    that turns a converter bug into a clear error instead of wrong numbers)."""
    from nnspec.spec.validate import infer_types

    types = infer_types(spec)
    for ref, want in imp.expected.items():
        got = types.get(ref)
        if got is not None and tuple(got.shape[1:]) != tuple(want[1:]):
            raise ConversionError(
                f"internal error: spec tensor {ref!r} has shape {got}, expected "
                f"(batch, {', '.join(map(str, want[1:]))}); please report this model",
                node=ref.split(":")[0],
            )


# --- loading user code ----------------------------------------------------------------------


def load_module(spec: str, weights_path=None, **init_kwargs) -> torch.nn.Module:
    """Import ``path.py:ClassName`` (this runs the file: only use code you trust), build the
    class with ``init_kwargs``, and load ``weights_path`` (a safetensors file; pickle-based
    ``.pt``/``.pth`` files are refused: they can run arbitrary code when loaded)."""
    if not isinstance(spec, str) or ":" not in spec:
        raise ConversionError(f"expected 'path/to/file.py:ClassName', got {spec!r}")
    path_str, cls_name = spec.rsplit(":", 1)
    path = Path(path_str)
    if path.suffix != ".py" or not path.is_file():
        raise ConversionError(f"{path_str!r} is not a Python file", file=path_str)
    mod_name = f"nnspec_user_{abs(hash(str(path.resolve())))}"
    loader_spec = importlib.util.spec_from_file_location(mod_name, path)
    mod = importlib.util.module_from_spec(loader_spec)
    sys.modules[mod_name] = mod
    try:
        loader_spec.loader.exec_module(mod)
    except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
        sys.modules.pop(mod_name, None)
        raise ConversionError(
            f"importing {path_str!r} failed: {type(e).__name__}: {e}", file=path_str
        ) from None
    cls = getattr(mod, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        found = sorted(
            k
            for k, v in vars(mod).items()
            if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == mod_name
        )
        raise ConversionError(
            f"{path_str!r} defines no nn.Module class {cls_name!r}",
            file=path_str,
            hint=f"classes found: {', '.join(found)}" if found else None,
        )
    try:
        module = cls(**init_kwargs)
    except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
        raise ConversionError(
            f"{cls_name}({', '.join(f'{k}=...' for k in init_kwargs)}) "
            f"failed: {type(e).__name__}: {e}",
            file=path_str,
        ) from None
    if weights_path is not None:
        load_weights(module, weights_path)
    return module.eval()


def load_weights(module: torch.nn.Module, weights_path) -> None:
    """Load a safetensors state dict into ``module`` (strict: every key must match)."""
    path = Path(weights_path)
    if path.suffix != ".safetensors":
        raise ConversionError(
            f"weights {str(path)!r}: only .safetensors files are loaded (pickle-based "
            "torch.save files can run code when loaded)",
            file=str(path),
            hint="save with safetensors.torch.save_file(model.state_dict(), 'state.safetensors')",
        )
    from safetensors.torch import load_file

    try:
        state = load_file(str(path))
    except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
        raise ConversionError(f"cannot read weights {str(path)!r}: {e}", file=str(path)) from None
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ConversionError(
            f"weights {str(path)!r} do not fit {type(module).__name__}: "
            + " ".join(str(e).split()),
            file=str(path),
        ) from None
