"""Spec -> readable Keras source: a function building a functional ``keras.Model``.
Imports no keras."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnspec.spec.model import Model
from nnspec.spec.names import Namespace, identifier
from nnspec.spec.node import Node
from nnspec.spec.types import TensorType

from ..codegen_common import VERSION, call, literal, node_params, non_default, used_names
from ..generator import Generator
from .activations import KERAS_NAMES, apply_activation
from .registry import converter_for

LOCAL_RESERVED = ("keras", "layers", "ops", "build_model", "model", "Constant", "named")


@dataclass
class KerasSource:
    """Generated source and the weights of each layer (by layer name, in layer.weights order)."""

    source: str
    weights: dict[str, list[np.ndarray]]


class NodeCtx:
    def __init__(self, gen, node: Node, inputs, in_types, out_types, params):
        self._gen = gen
        self.node = node
        self.inputs: list[str] = inputs
        self.in_types: list[TensorType] = in_types
        self.out_types: list[TensorType] = out_types
        self.params: dict[str, np.ndarray] = params

    @property
    def x(self) -> str:
        return self.inputs[0]

    def layer(
        self,
        cls: str,
        *args,
        weights: list[np.ndarray] | None = None,
        suffix: str = "",
        wraps: str | None = None,
        **kwargs,
    ) -> str:
        """Source constructing a named Keras layer; its weights are set after building.
        ``wraps``: source of an inner layer passed first (``layers.Bidirectional(inner)``).

        A layer whose weights other nodes share is bound to a variable so they can call it."""
        if self.node.shares is not None:
            return self._gen.shared[(self.node.shares, suffix)]
        name = self._gen.layer_names.name(self.node.id + (f"_{suffix}" if suffix else ""))
        if weights:
            self._gen.weights[name] = [
                np.asarray(w, dtype=np.float32) if w.dtype == np.float64 else np.asarray(w)
                for w in weights
            ]
        source = call(cls, *([wraps] if wraps else []), *map(literal, args), **kwargs, name=name)
        if self.node.name in self._gen.shared_owners:
            var = self._gen.locals.name(f"{name}_layer")
            self.stmt(f"{var} = {source}")
            self._gen.shared[(self.node.name, suffix)] = var
            return var
        return source

    def activation(self, x: str, name: str | None = None, suffix: str = "activation") -> str:
        """``x`` through an activation applied after this node's layer (named
        ``<node>_<suffix>``), or as the node itself (``suffix=""``)."""
        layer_name = self.op_name(suffix)
        return apply_activation(
            name or str(getattr(self.node, "activation", "linear")), x, self, layer_name
        )

    def op_name(self, suffix: str = "") -> str:
        """A model-unique name for an operation of this node that is not a ``layer()``."""
        return self._gen.layer_names.name(self.node.id + (f"_{suffix}" if suffix else ""))

    def fused_activation(self) -> tuple[str, str | None]:
        """(activation to pass to the layer, activation to apply after it, if any)."""
        name = getattr(self.node, "activation", "linear")
        return (name, None) if name in KERAS_NAMES else ("linear", name)

    def temp(self, hint: str = "t") -> str:
        return self._gen.locals.name(f"{self.node.name}_{hint}")

    @property
    def reference(self) -> str:
        """A model input, for layers whose output does not depend on any (constants)."""
        return self._gen.inputs[0]

    def helper(self, name: str) -> str:
        """Define a layer class of ``ops/_runtime.py`` in the generated file; its name."""
        if name not in self._gen.helpers:
            self._gen.helpers.append(name)
        return name

    def stmt(self, line: str) -> None:
        self._gen.lines.append(line)


class KerasGenerator(Generator):
    """The shared walk (generator.py) writing the body of ``build_model``: converters return
    the expression of a layer call (``ctx.stmt`` for statements before it), or the name of
    a value they computed (an identity: no line)."""

    def __init__(self, model: Model, seed: int | None = 0):
        super().__init__(model, LOCAL_RESERVED, seed)
        self.layer_names = Namespace(identifiers=True)
        self.var: dict[str, str] = {}  # tensor reference -> local
        self.weights: dict[str, list[np.ndarray]] = {}
        self.shared: dict[tuple[str, str], str] = {}  # (node, suffix) -> layer variable
        self.shared_owners = {n.shares for n in model.nodes if n.shares is not None}
        self.inputs: list[str] = []
        self.helpers: list[str] = []  # class and function names from ops/_runtime.py

    def node(self, node: Node) -> None:
        refs = node.inputs or []
        ctx = NodeCtx(
            self,
            node,
            [self.var[r] for r in refs],
            [self.a.types[r] for r in refs],
            list(self.a.outputs[node.id]),
            node_params(node, self.a, self.params),
        )
        expr = converter_for(node)(node, ctx)
        if len(self.a.outputs[node.id]) == 1 and expr.isidentifier():
            self.var[node.id] = expr  # an input, or a value the converter's statements made
            return
        self.var.update(self.bind(node, (expr,)))


def generate(model: Model, *, seed: int | None = 0) -> KerasSource:
    gen = KerasGenerator(model, seed)
    var = gen.var
    inputs = []
    for name, spec in model.inputs.items():
        v = gen.locals.name(name)
        var[name] = v
        inputs.append(v)
        gen.inputs.append(v)
        batch = spec.shape[0] if isinstance(spec.shape[0], int) else None
        shape = tuple(d if isinstance(d, int) else None for d in spec.shape[1:])
        gen.layer_names.reserve(v)
        given = non_default(
            dict(batch_size=None, dtype="float32"), batch_size=batch, dtype=spec.dtype
        )
        gen.lines.append(f"{v} = " + call("keras.Input", shape=shape, **given, name=v))

    gen.walk()
    outputs = [var[r] for r in model.outputs]
    out_src = outputs[0] if len(outputs) == 1 else "[" + ", ".join(outputs) + "]"
    in_src = inputs[0] if len(inputs) == 1 else "[" + ", ".join(inputs) + "]"
    gen.lines.append(
        f"return keras.Model(inputs={in_src}, outputs={out_src}, "
        f"name={literal(identifier(model.name))})"
    )
    body = "\n".join(["def build_model():", *(f"    {line}" for line in gen.lines)])
    helpers = [_helper_source(h) for h in gen.helpers]
    used = used_names("\n".join([*helpers, body]))
    from_keras = [m for m in ("layers", "ops") if m in used]
    source = "\n".join(
        [
            f"# Generated by nnspec {VERSION} from the spec {model.name!r} (format {model.nnspec}).",
            "import keras",
            *([f"from keras import {', '.join(from_keras)}"] if from_keras else []),
            "",
            *(f"\n{h}\n" for h in helpers),
            "",
            body,
            "",
        ]
    )
    return KerasSource(source, gen.weights)


def _helper_source(name: str) -> str:
    import importlib
    import inspect

    runtime = importlib.import_module(f"{__package__}.ops._runtime")
    return inspect.getsource(getattr(runtime, name)).strip()
