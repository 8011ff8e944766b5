"""Custom Keras layers -> a graph of stock layers and keras.ops, by tracing their ``call``.

A layer whose class is not Keras' own (a ``keras.layers.Layer`` subclass, a stock layer whose
subclass overrides ``call``, a subclassed ``keras.Model``) is called once on fresh symbolic
``keras.KerasTensor`` inputs. Keras records every ``keras.ops`` call and every sublayer call
on those tensors, exactly as it does in a functional model, and the importer walks the
resulting graph like any other, with the layer's name as a prefix of its nodes' names.
Nothing runs on data: the only code executed is the layer's ``call`` under Keras' symbolic
dispatch. What is not symbolic in it (``ops.arange(n)``, a sublayer called on such a
constant, arithmetic on the layer's own variables) is computed once, and reaches the graph
as an operand the op converters turn into a ``constant`` node; a layer variable used
directly becomes one trainable ``constant`` per variable.

Refused, naming the layer: a ``call`` that branches on tensor values, that calls TensorFlow
(or NumPy) on a tensor, that draws random numbers at inference, whose ``training`` argument
changes more than its dropout, or that overrides ``__call__`` (which tracing would skip).
"""

from __future__ import annotations

import itertools
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np
from keras.src import backend
from keras.src.ops.function import Function
from keras.src.random import seed_generator as _seeds

from .registry import layer_key, stock_class


@dataclass
class Traced:
    """A layer call as a graph: ``fn`` over fresh inputs, one per distinct outer tensor."""

    fn: Function
    outer: list  # the outer KerasTensors, in the order of fn.inputs
    folded: list[str] = field(default_factory=list)  # variables read outside the trace
    batch: int | None = None  # the batch size it was traced at, where None would not do


class TraceRefused(Exception):
    """Why a layer's call cannot be traced (the reason only; the caller names the layer)."""


def own_call(cls: type) -> bool:
    """The class, or a user class between it and Keras, defines ``call``."""
    for c in cls.__mro__:
        if stock_class(c) or c is object:
            return False
        if "call" in vars(c):
            return True
    return False


def _user_classes(cls: type) -> list[type]:
    return [c for c in cls.__mro__ if not (stock_class(c) or c is object)]


# Batch sizes a call is traced at when it cannot be traced at an unknown batch (it computes
# a constant of the batch's size: ``ops.broadcast_to(mask, (ops.shape(x)[0], ...))``). Two,
# so that a graph or a constant that depends on the batch size is caught.
TRACE_BATCHES = (7, 11)


def _fresh(t, batch: int | None) -> keras.KerasTensor:
    shape = tuple(t.shape)
    if batch is not None and shape and shape[0] is None:
        shape = (batch, *shape[1:])
    # dense: Keras marks some products of dense tensors sparse (keras-hub's Gemma embedding
    # times a scalar), and a spec has no sparse tensors to give a layer anyway
    return keras.Input(batch_shape=shape, dtype=t.dtype)


def _seed_states(layer) -> dict[int, np.ndarray | None]:
    """Every seed generator the call could draw from, with its state (None: not created)."""
    owners = layer._flatten_layers(include_self=True, recursive=True)
    gens = [g for o in owners for g in getattr(o, "_seed_generators", ())]
    states: dict[int, np.ndarray | None] = {
        id(g): np.array(keras.ops.convert_to_numpy(g.state)) for g in gens
    }
    glob = _seeds.global_state.get_global_attribute(_seeds.GLOBAL_SEED_GENERATOR)
    states[-1] = None if glob is None else np.array(keras.ops.convert_to_numpy(glob.state))
    return states


def _calls_tensorflow(files: list[str]) -> bool:
    """Code outside Keras called into TensorFlow (not Keras' backend doing so)."""
    for caller, callee in itertools.pairwise(files):
        if "/tensorflow/" in callee and "/keras/" not in caller and "/tensorflow/" not in caller:
            return True
    return False


def _why(e: Exception) -> str:
    """The reason a traced call raised, from where it raised."""
    frames = traceback.extract_tb(e.__traceback__)
    names = {f.name for f in frames}
    files = [f.filename.replace("\\", "/") for f in frames]
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    if "__bool__" in names or "cannot be used as a boolean" in text:
        return (
            "its call branches on tensor values (a Python if/while on a tensor), which a "
            "graph cannot express; use keras.ops.where / ops.cond-free code"
        )
    if any("/keras/src/random/" in f or f.endswith("/random.py") for f in files):
        return "random at inference (it draws random numbers when training=False)"
    if "__tf_tensor__" in names or _calls_tensorflow(files):
        return "its call calls TensorFlow directly on a tensor; nnspec traces keras.ops only"
    if "__array__" in names:
        return "its call converts a tensor to NumPy; nnspec traces keras.ops only"
    return f"tracing its call failed: {type(e).__name__}: {text}"


def _unknown(spec) -> int:
    """How many non-batch dimensions of the output spec(s) are unknown."""
    shapes = [t.shape for t in keras.tree.flatten(spec) if isinstance(t, keras.KerasTensor)]
    return sum(d is None for shape in shapes for d in tuple(shape)[1:])


@contextmanager
def _output_specs(layer):
    """Sublayers called on symbolic tensors inside the trace get their output spec from
    their class, or, where that refuses the call's arguments (keras-hub's
    ``CachedMultiHeadAttention`` inherits MultiHeadAttention's, which takes no ``cache``) or
    leaves a dimension unknown that the inputs fix (EinsumDense with ``output_shape=(None,
    heads, dim)``: a later ``ops.arange(seq_len)`` needs it), the way Keras gets it for a
    layer without one: by running ``call`` on placeholders."""
    subs = [
        s
        for s in layer._flatten_layers(include_self=False, recursive=True)
        if "compute_output_spec" not in vars(s)
    ]

    def spec_of(sub):
        own = sub.compute_output_spec

        def compute_output_spec(*args, **kwargs):
            try:
                spec = own(*args, **kwargs)
            except TypeError:
                return backend.compute_output_spec(sub.call, *args, **kwargs)
            if not _unknown(spec):
                return spec
            try:
                run = backend.compute_output_spec(sub.call, *args, **kwargs)
            except Exception:  # noqa: BLE001 (the class's own spec stands)
                return spec
            same = keras.tree.flatten(run), keras.tree.flatten(spec)
            if len(same[0]) == len(same[1]) and _unknown(run) < _unknown(spec):
                return run
            return spec

        return compute_output_spec

    for sub in subs:
        object.__setattr__(sub, "compute_output_spec", spec_of(sub))
    try:
        yield
    finally:
        for sub in subs:
            object.__delattr__(sub, "compute_output_spec")


def _run(layer, args, kwargs, training: bool | None):
    if training is not None:
        kwargs = {**kwargs, "training": training}
    before = _seed_states(layer)
    try:
        with _output_specs(layer):
            out = layer.call(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 (user code: every failure is a refusal)
        raise TraceRefused(_why(e)) from None
    if _seed_states(layer).keys() != before.keys() or any(
        (a is None) != (b is None) or (a is not None and not np.array_equal(a, b))
        for a, b in zip(before.values(), _seed_states(layer).values())
    ):
        raise TraceRefused("random at inference (it draws random numbers when training=False)")
    return out


def _batched(out, i: int, batch: int | None, fresh: dict) -> keras.KerasTensor:
    """An output computed without the inputs (a position table broadcast to the batch, at the
    trace's batch size) as ``zeros(batch) + table``, so the graph gives it for any batch."""
    if isinstance(out, keras.KerasTensor):
        return out
    shape = tuple(getattr(out, "shape", ()))
    first = next((t for t in fresh.values() if len(t.shape) >= 1), None)
    if batch is None or first is None or not shape or shape[0] != batch:
        raise TraceRefused(f"output {i} of its call does not depend on its inputs")
    zeros = keras.ops.cast(keras.ops.zeros_like(first), out.dtype)
    axes = tuple(range(1, len(first.shape)))
    zeros = keras.ops.sum(zeros, axis=axes, keepdims=True) if axes else zeros
    zeros = keras.ops.reshape(zeros, (batch, *([1] * (len(shape) - 1))))
    return zeros + out


def _signature(fn: Function) -> list[str]:
    return [layer_key(op) for op in fn.operations]


def trace_call(layer, args: tuple, kwargs: dict, n_outputs: int | None = None) -> Traced:
    """Trace ``layer.call`` on fresh symbolic copies of the KerasTensors in ``args``/``kwargs``
    (an outer functional node's arguments, or a subclassed model's inputs)."""
    overridden = [c.__qualname__ for c in _user_classes(type(layer)) if "__call__" in vars(c)]
    if overridden:
        raise TraceRefused(f"class {overridden[0]} overrides __call__, which tracing would skip")
    flat = keras.tree.flatten((tuple(args), kwargs))
    outer = list({id(t): t for t in flat if isinstance(t, keras.KerasTensor)}.values())

    def build(training: bool | None, batch: int | None = None):
        fresh = {id(t): _fresh(t, batch) for t in outer}
        swap = lambda v: fresh[id(v)] if isinstance(v, keras.KerasTensor) else v
        a, k = keras.tree.map_structure(swap, (tuple(args), dict(kwargs)))
        k.pop("training", None)
        out = _run(layer, a, k, training)
        outs = [_batched(o, i, batch, fresh) for i, o in enumerate(keras.tree.flatten(out))]
        if n_outputs is not None and len(outs) != n_outputs:
            raise TraceRefused(
                f"its call gave {len(outs)} outputs where Keras recorded {n_outputs}"
            )
        try:
            return Function([fresh[id(t)] for t in outer], outs, name=f"{layer.name}_trace")
        except Exception as e:  # noqa: BLE001 (Keras' graph check, on user code)
            raise TraceRefused(f"its traced call is not a graph: {e}") from None

    has_training = bool(getattr(layer, "_call_has_training_arg", False))
    inference = False if has_training else None
    batch = None
    try:
        fn = build(inference)
    except TraceRefused as e:
        if not str(e).startswith(("tracing its call failed", "output")):
            raise
        batch, again = TRACE_BATCHES
        try:
            fn = build(inference, batch)
            same = _signature(build(inference, again)) == _signature(fn)
        except TraceRefused:
            raise e from None
        if not same:
            raise TraceRefused("its traced graph depends on the batch size") from None
    if has_training:  # the training branch may differ only inside sublayers (dropout)
        try:
            other = _signature(build(True, batch))
        except TraceRefused as e:
            other = [] if "random" in str(e) else None  # own dropout by keras.random: fine
            if other is None:
                raise TraceRefused(f"with training=True, {e}") from None
        if other and other != _signature(fn):
            raise TraceRefused(
                "its training argument changes more than dropout (the traced graph differs "
                "between training=True and training=False)"
            )
    return Traced(fn, outer, folded=_folded(layer, fn), batch=batch)


def _folded(layer, fn: Function) -> list[str]:
    """The layer's variables the graph does not hold (no traced sublayer owns them, no op
    reads them): computed once into constants. Said on stderr, since they become buffers."""
    held = {id(v) for op in fn.operations for v in getattr(op, "weights", ())}
    for node in (n for ns in fn._nodes_by_depth.values() for n in ns):
        args = keras.tree.flatten((tuple(node.arguments.args), node.arguments.kwargs))
        held |= {id(v) for v in args if isinstance(v, keras.Variable)}
    folded = [v.path for v in layer.weights if id(v) not in held]
    if folded:
        print(
            f"nnspec: note: layer {layer.name!r} ({type(layer).__name__}): "
            f"{', '.join(folded)} read outside keras.ops on its inputs; their values are "
            "computed once into the ops that use them (exact at inference; in training those "
            "values, not the variables, would be updated)",
            file=sys.stderr,
        )
    return folded


def model_inputs(model) -> list[keras.KerasTensor]:
    """Symbolic inputs for a subclassed model, from the shapes it was built with."""
    shapes = getattr(model, "_build_shapes_dict", None)
    if not model.built or not shapes:
        raise TraceRefused(
            "it has not been built; call it once on an input (or build(shape)) first"
        )
    if len(shapes) != 1:
        raise TraceRefused(f"its call takes {len(shapes)} inputs; nnspec traces one")
    (shape,) = shapes.values()
    if not isinstance(shape, tuple | list) or not all(
        d is None or isinstance(d, int) for d in shape
    ):
        raise TraceRefused(f"its input shape {shape!r} is not one tensor's shape")
    dtype = keras.config.floatx()
    return [keras.Input(batch_shape=(None, *tuple(shape)[1:]), dtype=dtype, name="input")]


def unbroadcast(arr: np.ndarray, batch: int | None, where: str) -> np.ndarray:
    """A constant computed at the trace's batch size, as one sample that broadcasts."""
    if batch is None or arr.ndim == 0 or arr.shape[0] != batch:
        return arr
    if not (arr == arr[:1]).all():
        raise TraceRefused(f"{where}: a constant that differs across the batch")
    return arr[:1]


# keras.ops activation operations without parameters -> spec activations (Gelu: below)
_ACTIVATION_OPS = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Silu": "silu"}


def traced_activation(fn: Any) -> str | None:
    """The spec activation a Python activation function computes (keras-hub's registered
    ``gelu_approximate``), read from the one keras.ops operation it records on its input;
    None if it is not a single known activation."""
    x = keras.Input((4,))
    try:
        y = fn(x)
        ops = [o for o in Function([x], [y]).operations if layer_key(o) != "InputLayer"]
    except Exception:  # noqa: BLE001 (user code: not traceable means not known)
        return None
    if len(ops) != 1:
        return None
    args = ops[0]._inbound_nodes[0].arguments
    if len(args.args) != 1 or args.args[0] is not x or args.kwargs:
        return None
    key = layer_key(ops[0]).removeprefix("ops.")
    if key == "Gelu":
        return "gelu_approximate" if ops[0].approximate else "gelu"
    return _ACTIVATION_OPS.get(key)
