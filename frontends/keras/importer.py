"""Keras model -> spec + weights, by walking the functional graph the way Keras runs it."""

from __future__ import annotations

import re
from typing import Any

import keras
import networkx as nx
import numpy as np
from pydantic import ValidationError

from nnspec.spec.errors import ConversionError
from nnspec.spec.graph import to_networkx
from nnspec.spec.model import InputSpec, Model
from nnspec.spec.node import Node
from nnspec.spec.ops.constant import Constant

from .layer_config import layer_config
from .registry import REFUSED, converter_for, custom_class_reason, layer_key
from .trace import Traced, TraceRefused, model_inputs, own_call, trace_call
from .training import training_from_keras

_SKIP = ("InputLayer",)  # registry keys, so only Keras' own InputLayer is skipped


class LayerCtx:
    """What a layer converter sees: the layer, its config and weights, and its input refs."""

    def __init__(self, importer: _Importer, layer, inputs: list[str], call_kwargs: dict):
        self._importer = importer
        self.layer = layer
        self.config: dict[str, Any] = importer.config_of(layer)
        self.inputs = inputs
        self.call_kwargs = call_kwargs
        self.call_args: tuple = ()  # positional call arguments: tensors and constants
        self.in_shapes: list[tuple] = []
        self._nodes: list[Node] = []

    @property
    def name(self) -> str:
        return self._importer.node_name(self.layer)

    @property
    def trace_batch(self) -> int | None:
        """The batch size of the custom-layer trace this op is in (trace.py), if fixed."""
        return self._importer.trace_batch[-1] if self._importer.trace_batch else None

    def config_of(self, layer) -> dict[str, Any]:
        """A sublayer's config (a cell, a wrapped layer), as ``self.config`` is the layer's."""
        return self._importer.config_of(layer)

    def weights(self, layer=None) -> dict[str, np.ndarray]:
        """Layer variables by their short name (``kernel``, ``bias``, ``moving_mean``...)."""
        layer = layer or self.layer
        return {v.path.split("/")[-1]: np.asarray(v.numpy()) for v in layer.weights}

    def node(
        self,
        cls: type[Node],
        *,
        suffix: str = "",
        inputs: list[str] | None = None,
        params: dict[str, np.ndarray] | None = None,
        **attrs,
    ) -> Node:
        """Create a spec node named after the layer; ``params`` are its canonical weights."""
        name = self.name + (f"_{suffix}" if suffix else "")
        owner = self._importer.first_call.get(id(self.layer))
        shares = owner + (f"_{suffix}" if suffix else "") if owner != self.name else None
        try:
            node = cls(
                name=name,
                inputs=inputs if inputs is not None else self.inputs,
                shares=shares,
                **attrs,
            )
        except ValidationError as e:  # an attribute value nnspec cannot express
            raise ConversionError(
                f"layer {self.layer.name!r} ({type(self.layer).__name__}): {e}",
                node=self.layer.name,
            ) from None
        for key, value in (params or {}).items() if shares is None else ():
            value = np.asarray(value)  # floats as float32; integer and bool weights kept
            if not (np.issubdtype(value.dtype, np.integer) or value.dtype == bool):
                value = value.astype(np.float32)
            self._importer.params[f"{name}/{key}"] = value
        self._nodes.append(node)
        return node

    def variable(self, var, rank: int) -> str:
        """A traced layer's variable read by an op: one trainable ``constant`` per variable
        (and rank), named after the first op that reads it."""
        key = (id(var), rank)
        if key not in self._importer.variables:
            arr = np.asarray(keras.ops.convert_to_numpy(var))
            arr = arr.reshape((1,) * (rank - arr.ndim) + arr.shape)
            node = self.node(
                Constant,
                suffix=var.name,
                inputs=[],
                params={"value": arr},
                shape=list(arr.shape),
                dtype=str(arr.dtype),
                trainable=bool(var.trainable),
            )
            self._importer.variables[key] = node.name
        return self._importer.variables[key]

    def refuse(self, key: str, why: str = "") -> ConversionError:
        value = self.config.get(key)
        return ConversionError(
            f"layer {self.layer.name!r} ({type(self.layer).__name__}): {key}={value!r} is not "
            f"supported" + (f" ({why})" if why else ""),
            node=self.layer.name,
            attr=key,
        )

    def require(self, key: str, *allowed) -> None:
        """Refuse a config value nnspec does not model (naming the layer and the key)."""
        if self.config.get(key) not in allowed:
            raise self.refuse(key)


class _Importer:
    def __init__(self, traces: dict[int, Traced] | None = None):
        self.traces = traces or {}  # id(functional node) -> its custom layer's traced call
        self.variables: dict[tuple[int, int], str] = {}  # (id(variable), rank) -> constant
        self.trace_batch: list[int | None] = []  # the batch sizes of the traces being walked
        self.nodes: list[Node] = []
        self.params: dict[str, np.ndarray] = {}
        self._names: dict[int, str] = {}  # id(layer) -> base node name
        self._used: set[str] = set()
        self._calls: dict[int, int] = {}
        self.first_call: dict[int, str] = {}  # id(layer) -> node name of its first call
        self.training: dict[str, dict] = {}  # layer name -> its serialisable training settings

    def config_of(self, layer) -> dict[str, Any]:
        """``layer.get_config()``, keeping its training-only settings aside (layer_config.py)."""
        config, training = layer_config(layer)
        if training:
            self.training[layer.name] = training
        return config

    def node_name(self, layer) -> str:
        return self._names[id(layer)]

    def _claim(self, layer, prefix: str) -> None:
        """A unique base name per layer call (shared layers get `_1`, `_2` on later calls)."""
        base = prefix + layer.name
        calls = self._calls.get(id(layer), 0)
        self._calls[id(layer)] = calls + 1
        name = base if calls == 0 else f"{base}_call{calls}"
        while name in self._used:
            name += "_"
        self._used.add(name)
        self._names[id(layer)] = name
        self.first_call.setdefault(id(layer), name)

    def walk(self, fn, input_refs: list[str], prefix: str = "") -> list[str]:
        refs = {id(x): r for x, r in zip(fn.inputs, input_refs)}
        for depth in sorted(fn._nodes_by_depth, reverse=True):
            for knode in fn._nodes_by_depth[depth]:
                layer = knode.operation
                if knode.is_input or layer_key(layer) in _SKIP:
                    continue
                ins = [refs[id(x)] for x in knode.input_tensors]
                inner = _functional(layer)
                traced = self.traces.get(id(knode))
                if inner is not None:  # a nested model: inline its layers
                    outs = self.walk(inner, ins, prefix=prefix + layer.name + "_")
                elif traced is not None:  # a custom layer: inline its traced call
                    outer = [refs[id(x)] for x in traced.outer]
                    self.trace_batch.append(traced.batch)
                    outs = self.walk(traced.fn, outer, prefix=prefix + layer.name + "_")
                    self.trace_batch.pop()
                else:
                    outs = self.convert(layer, ins, knode, prefix)
                for x, r in zip(knode.outputs, outs):
                    refs[id(x)] = r
        return [refs[id(x)] for x in fn.outputs]

    def convert(self, layer, ins: list[str], knode, prefix: str) -> list[str]:
        fn = converter_for(layer_key(layer))
        self._claim(layer, prefix)
        ctx = LayerCtx(self, layer, ins, dict(knode.arguments.kwargs))
        ctx.in_shapes = [tuple(x.shape) for x in knode.input_tensors]
        ctx.call_args = tuple(knode.arguments.args)
        result = fn(layer, ctx)
        self.nodes.extend(ctx._nodes)
        last = result[-1] if isinstance(result, list) else result
        if isinstance(last, str):  # the converter passed a tensor through (an identity)
            return [last] * len(knode.outputs)
        return [last.name if k == 0 else f"{last.name}:{k}" for k in range(len(knode.outputs))]


def _functional(layer):
    """The functional graph of a nested model (a Sequential has one once it is built)."""
    if isinstance(layer, keras.Sequential):
        fn = getattr(layer, "_functional", None)
        if fn is None:
            raise ConversionError(f"nested Sequential {layer.name!r} is not built")
        return fn
    if isinstance(layer, keras.Model) and hasattr(layer, "_nodes_by_depth"):
        return layer
    return None


def unsupported_layers(fn, found=None, traces=None) -> list[tuple[str, str, str]]:
    """(layer name, class, reason) for every layer nnspec cannot convert, nested included;
    custom layers are traced on the way (into ``traces``, keyed by functional node)."""
    found = [] if found is None else found
    traces = {} if traces is None else traces
    for layer in fn.operations:
        cls = layer_key(layer)
        inner = _functional(layer)
        if inner is not None:
            unsupported_layers(inner, found, traces)
        elif cls in _SKIP:
            continue
        elif custom_class_reason(layer) is not None and traceable(layer):
            found.extend(_trace_calls(fn, layer, traces))
        elif custom_class_reason(layer) is not None:
            found.append((layer.name, type(layer).__name__, custom_class_reason(layer)))
        elif cls in REFUSED:
            found.append((layer.name, cls, REFUSED[cls]))
        elif converter_for(cls) is None:
            found.append((layer.name, cls, "no converter"))
        else:
            found.extend(_custom_sublayers(layer))
    return found


def traceable(layer) -> bool:
    """A custom layer whose computation is its own ``call`` (not a stock class's config)."""
    cls = type(layer)
    return own_call(cls) or custom_class_reason(layer).startswith("a custom layer")


def _trace_calls(fn, layer, traces: dict[int, Traced]) -> list[tuple[str, str, str]]:
    """Trace each call of a custom layer in ``fn``; what cannot be converted inside it is
    reported as ``layer/inner``."""
    found: list[tuple[str, str, str]] = []
    for knode in (n for ns in fn._nodes_by_depth.values() for n in ns if n.operation is layer):
        try:
            traced = trace_call(
                layer, knode.arguments.args, knode.arguments.kwargs, len(knode.outputs)
            )
        except TraceRefused as e:
            found.append((layer.name, type(layer).__name__, str(e)))
            continue
        traces[id(knode)] = traced
        inner = unsupported_layers(traced.fn, None, traces)
        found.extend((f"{layer.name}/{n}", c, why) for n, c, why in inner)
    return found


def _custom_sublayers(layer) -> list[tuple[str, str, str]]:
    """A stock wrapper (RNN, Bidirectional, TimeDistributed) around a user's cell or layer:
    its converter would read the inner layer's config as the stock class's."""
    found = []
    flatten = getattr(layer, "_flatten_layers", None)  # keras.ops operations have none
    for inner in flatten(include_self=False, recursive=True) if flatten else ():
        why = custom_class_reason(inner)
        if why is not None:
            found.append((layer.name, type(layer).__name__, f"its sublayer {inner.name!r}: {why}"))
    return found


def from_keras(model) -> Model:
    if not isinstance(model, keras.Model):
        raise ConversionError(f"from_keras expects a keras.Model, got {type(model).__name__}")
    fn = _functional(model)
    traces: dict[int, Traced] = {}
    if fn is None:
        fn = _traced_model(model)
    bad = unsupported_layers(fn, None, traces)
    if bad:
        lines = "; ".join(f"{n!r} ({c}): {why}" for n, c, why in bad)
        raise ConversionError(
            f"model {model.name!r} has {len(bad)} unsupported layer(s): {lines}",
            hint="see the README's support table, or register an op",
        )
    imp = _Importer(traces)
    inputs = {}
    for x in fn.inputs:
        name = x._keras_history.operation.name
        shape = ["batch" if i == 0 and d is None else d for i, d in enumerate(x.shape)]
        inputs[name] = InputSpec(shape=shape, dtype=str(x.dtype))
    outputs = imp.walk(fn, list(inputs))
    spec = Model(
        name=model.name,
        inputs=inputs,
        nodes=imp.nodes,
        outputs=outputs,
        metadata={
            "source": "keras",
            "keras_version": keras.__version__,
        },
    )
    folded = sorted({path for t in traces.values() for path in t.folded})
    if folded:  # custom-layer variables whose values are buffers, not parameters (trace.py)
        spec.metadata["folded_variables"] = folded
    spec.nodes = canonical_order(spec)
    spec.params = imp.params
    spec.training = training_from_keras(model, spec)
    spec.check()
    return spec


def _traced_model(model):
    """A subclassed keras.Model: its ``call`` traced on inputs of the shape it was built with."""
    why = custom_class_reason(model)
    try:
        if why is not None and not traceable(model):
            raise TraceRefused(why)
        return trace_call(model, tuple(model_inputs(model)), {}).fn
    except TraceRefused as e:
        raise ConversionError(
            f"model {model.name!r} ({type(model).__name__}) is a subclassed keras.Model that "
            f"cannot be traced: {e}"
        ) from None


def canonical_order(spec: Model) -> list[Node]:
    """A topological order that depends only on the graph and the names, so a model and its
    rebuilt copy (even with nested models inlined) give the same spec."""

    def natural(name: str):
        return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]

    g = to_networkx(spec)
    g.add_edges_from((n.shares, n.name) for n in spec.nodes if n.shares)  # owner first
    order = nx.lexicographical_topological_sort(g, key=lambda v: natural(v))
    return [g.nodes[v]["node"] for v in order if g.nodes[v]["kind"] == "node"]


def load_keras_file(path) -> keras.Model:
    """Load a .keras or legacy .h5 file without running code from it (safe_mode)."""
    try:
        return keras.saving.load_model(str(path), compile=False, safe_mode=True)
    except Exception as e:  # noqa: BLE001 (Keras raises many types; show the reason only)
        text = str(e)
        if "safe_mode" in text or "Lambda" in text:
            reason = (
                "it contains a Lambda layer, whose Python code nnspec will not run; "
                + REFUSED["Lambda"]
            )
        else:
            reason = text.splitlines()[0] if text else type(e).__name__
        raise ConversionError(f"cannot load the Keras model: {reason}", file=str(path)) from None
