"""Keras model -> spec + weights, by walking the functional graph the way Keras runs it."""

from __future__ import annotations

import re
from typing import Any

import keras
import networkx as nx
import numpy as np

from nnspec._gc import gc_paused
from nnspec.frontends._errors import refusal, unsupported_parts
from nnspec.spec.errors import ConversionError
from nnspec.spec.graph import to_networkx
from nnspec.spec.model import InputSpec, Model
from nnspec.spec.names import Namespace
from nnspec.spec.node import Node
from nnspec.spec.types import DTYPES

from .context import LayerCtx
from .layer_config import layer_config
from .layers import channels_first
from .registry import REFUSED, converter_for, custom_class_reason, layer_key
from .trace import Traced, TraceRefused, model_inputs, own_call, trace_call
from .training import remember_compile_config, training_from_keras

_SKIP = ("InputLayer",)  # registry keys, so only Keras' own InputLayer is skipped


class Importer:
    """The spec in the making: nodes, weights, one name per layer call."""

    def __init__(self, input_names: list[str], traces: dict[int, Traced] | None = None) -> None:
        self.traces = traces or {}  # id(functional node) -> its custom layer's traced call
        self.variables: dict[tuple[int, int], str] = {}  # (id(variable), rank) -> constant
        self.trace_batch: list[int | None] = []  # the batch sizes of the traces being walked
        self.nodes: list[Node] = []
        self.params: dict[str, np.ndarray] = {}
        self._names: dict[int, str] = {}  # id(layer) -> base node name
        self._namespace = Namespace(input_names)
        self._calls: dict[int, int] = {}
        self.first_call: dict[int, str] = {}  # id(layer) -> node name of its first call
        self.training: dict[
            str, dict[str, Any]
        ] = {}  # layer name -> its serialisable training settings
        self.tensor_refs: dict[int, str] = {}  # id(KerasTensor) -> spec reference, so far
        self.masks_cleared: set[int] = set()  # tensors attention has taken the Keras mask off
        self.mask_refs: dict[int, str] = {}  # id(mask KerasTensor) -> its rebuilt reference

    def config_of(self, layer: Any) -> dict[str, Any]:
        """``layer.get_config()``, keeping its training-only settings aside (layer_config.py)."""
        config, training = layer_config(layer)
        if training:
            self.training[layer.name] = training
        return config

    def node_name(self, layer: Any) -> str:
        return self._names[id(layer)]

    def _claim(self, layer: Any, prefix: str) -> None:
        """A unique base name per layer call (shared layers get `_call1`, `_call2` on later
        calls; a name taken by a nested model's prefixed layer gets `_1`)."""
        base = prefix + layer.name
        calls = self._calls.get(id(layer), 0)
        self._calls[id(layer)] = calls + 1
        name = self._namespace.name(base if calls == 0 else f"{base}_call{calls}")
        self._names[id(layer)] = name
        self.first_call.setdefault(id(layer), name)

    def walk(self, fn: Any, input_refs: list[str], prefix: str = "") -> list[str]:
        """Convert the layers of functional graph ``fn`` in the order Keras runs them; the
        spec refs of its outputs."""
        refs = {id(x): r for x, r in zip(fn.inputs, input_refs)}
        self.tensor_refs.update(refs)
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
                    self.tensor_refs[id(x)] = r
        return [refs[id(x)] for x in fn.outputs]

    def convert(self, layer: Any, ins: list[str], knode: Any, prefix: str) -> list[str]:
        """One layer call, by its converter; the spec refs of its outputs."""
        fn = converter_for(layer_key(layer))
        self._claim(layer, prefix)
        ctx = LayerCtx(self, layer, ins, dict(knode.arguments.kwargs))
        ctx.in_shapes = [tuple(x.shape) for x in knode.input_tensors]
        ctx.call_args = tuple(knode.arguments.args)
        result = channels_first.convert(fn, layer, ctx)  # a channels-last view, where needed
        self.nodes.extend(ctx._nodes)
        last = result[-1] if isinstance(result, list) else result
        if isinstance(last, str):  # the converter passed a tensor through (an identity)
            return [last] * len(knode.outputs)
        return [last.name if k == 0 else f"{last.name}:{k}" for k in range(len(knode.outputs))]


def _functional(layer: Any) -> Any:
    """The functional graph of a nested model (a Sequential has one once it is built)."""
    if isinstance(layer, keras.Sequential):
        fn = getattr(layer, "_functional", None)
        if fn is None:
            raise ConversionError(f"nested Sequential {layer.name!r} is not built")
        return fn
    if isinstance(layer, keras.Model) and hasattr(layer, "_nodes_by_depth"):
        return layer
    return None


def unsupported_layers(
    fn: Any,
    found: list[tuple[str, str, str]] | None = None,
    traces: dict[int, Traced] | None = None,
) -> list[tuple[str, str, str]]:
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


def traceable(layer: Any) -> bool:
    """A custom layer whose computation is its own ``call`` (not a stock class's config)."""
    cls = type(layer)
    return own_call(cls) or custom_class_reason(layer).startswith("a custom layer")


def _trace_calls(fn: Any, layer: Any, traces: dict[int, Traced]) -> list[tuple[str, str, str]]:
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


def _custom_sublayers(layer: Any) -> list[tuple[str, str, str]]:
    """A stock wrapper (RNN, Bidirectional, TimeDistributed) around a user's cell or layer:
    its converter would read the inner layer's config as the stock class's."""
    found = []
    flatten = getattr(layer, "_flatten_layers", None)  # keras.ops operations have none
    for inner in flatten(include_self=False, recursive=True) if flatten else ():
        why = custom_class_reason(inner)
        if why is not None:
            found.append((layer.name, type(layer).__name__, f"its sublayer {inner.name!r}: {why}"))
    return found


def from_keras(model: Any) -> Model:
    """See :func:`nnspec.frontends.keras.from_keras`."""
    with gc_paused():  # (nnspec/_gc.py)
        return _from_keras(model)


def _from_keras(model: Any) -> Model:
    if not isinstance(model, keras.Model):
        raise ConversionError(f"from_keras expects a keras.Model, got {type(model).__name__}")
    fn = _functional(model)
    traces: dict[int, Traced] = {}
    if fn is None:
        fn = _traced_model(model)
    bad = unsupported_layers(fn, None, traces)
    if bad:
        raise unsupported_parts(
            f"model {model.name!r}",
            "layer",
            [f"{n!r} ({c}): {why}" for n, c, why in bad],
            hint="see the README's support table, or register an op",
        )
    inputs = {}
    for x in fn.inputs:
        name = x._keras_history.operation.name
        shape = ["batch" if i == 0 and d is None else d for i, d in enumerate(x.shape)]
        inputs[name] = InputSpec(shape=shape, dtype=_input_dtype(name, x))
    imp = Importer(list(inputs), traces)
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


def _input_dtype(name: str, x: Any) -> str:
    """The dtype of model input ``name``, or a refusal naming it (no pydantic dump)."""
    dtype = str(x.dtype)
    if dtype not in DTYPES:
        raise refusal(
            f"input {name!r}",
            f"dtype {dtype!r} has no spec equivalent (spec dtypes: {', '.join(DTYPES)})",
            node=name,
            attr="dtype",
            hint="give the model input one of these dtypes, e.g. keras.Input(..., "
            "dtype='int32'), and cast inside the model",
        )
    return dtype


def _traced_model(model: Any) -> Any:
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

    def natural(name: str) -> list[int | str]:
        return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]

    g = to_networkx(spec)
    g.add_edges_from((n.shares, n.name) for n in spec.nodes if n.shares)  # owner first
    order = nx.lexicographical_topological_sort(g, key=lambda v: natural(v))
    return [g.nodes[v]["node"] for v in order if g.nodes[v]["kind"] == "node"]


def load_keras_file(path: Any) -> keras.Model:
    """Load a .keras or legacy .h5 file without running code from it (safe_mode). Not
    compiled (compiling deserialises the optimizer and loss): a ``.keras`` archive's compile
    config is kept, as JSON, for ``from_keras`` to read into the ``training:`` section."""
    from .files import detect_format, keras_zip_compile_config

    try:
        model = keras.saving.load_model(str(path), compile=False, safe_mode=True)
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
    if detect_format(path) == "keras_zip":
        compiled = keras_zip_compile_config(path)
        if compiled is not None:
            remember_compile_config(model, compiled)
    return model
