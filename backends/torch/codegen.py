"""Spec -> readable PyTorch source: an ``nn.Module`` with named submodules and a ``forward``
with one line per node, in the spec's channels-last layout. Imports no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnspec.spec.model import Model
from nnspec.spec.node import Node
from nnspec.spec.types import TensorType

from ..codegen_common import (
    VERSION,
    Namespace,
    call,
    checked_analysis,
    class_name,
    emit_nodes,
    literal,
    model_params,
)
from .activations import ACTIVATION_HELPERS, apply_activation
from .helpers import HELPERS
from .registry import converter_for

MODULE_RESERVED = (
    "self",
    "forward",
    "training",
    "eval",
    "train",
    "to",
    "state_dict",
    "parameters",
    "modules",
    "children",
    "buffers",
    "apply",
    "cuda",
    "cpu",
)
LOCAL_RESERVED = ("self", "torch", "nn", "F", "math", *HELPERS)  # helpers are global names


@dataclass
class TorchSource:
    """Generated module source and the state dict it loads (numpy arrays, torch layout)."""

    source: str
    class_name: str
    state_dict: dict[str, np.ndarray]
    node_ids: dict[str, str] = field(default_factory=dict)


class _Generator:
    def __init__(self):
        self.attrs = Namespace(MODULE_RESERVED)
        self.locals = Namespace(LOCAL_RESERVED)
        self.init_lines: list[str] = []
        self.forward_lines: list[str] = []
        self.state: dict[str, np.ndarray] = {}
        self.helpers: list[str] = []
        self.node_ids: dict[str, str] = {}
        self.owned: dict[tuple[str, str], str] = {}  # (node, suffix) -> attribute, for `shares`


class NodeCtx:
    """What a converter sees: the node, its inputs as source expressions, shapes, weights."""

    def __init__(
        self,
        gen: _Generator,
        node: Node,
        inputs: list[str],
        in_types: list[TensorType],
        out_types: list[TensorType],
        params: dict[str, np.ndarray],
    ):
        self._gen = gen
        self.node = node
        self.inputs = inputs
        self.in_types = in_types
        self.out_types = out_types
        self.params = params

    @property
    def x(self) -> str:
        """The first input's expression."""
        return self.inputs[0]

    def module(
        self,
        cls: str,
        *args,
        weights: dict[str, np.ndarray] | None = None,
        suffix: str = "",
        **kwargs,
    ) -> str:
        """Declare ``self.<name> = cls(*args, **kwargs)`` in __init__; returns ``self.<name>``.
        A node that ``shares`` another's weights gets that node's submodule instead."""
        if self.node.shares is not None:
            return f"self.{self._gen.owned[(self.node.shares, suffix)]}"
        attr = self._gen.attrs.name(self.node.name + (f"_{suffix}" if suffix else ""))
        self._gen.owned[(self.node.name, suffix)] = attr
        self._gen.init_lines.append(f"self.{attr} = " + call(cls, *map(literal, args), **kwargs))
        for key, value in (weights or {}).items():
            self._gen.state[f"{attr}.{key}"] = _f32(value)
        self._gen.node_ids[attr] = self.node.name
        return f"self.{attr}"

    def tensor(self, suffix: str, value: np.ndarray, *, parameter: bool = True) -> str:
        """A weight used by a functional op: an ``nn.Parameter`` (or a buffer)."""
        if self.node.shares is not None:
            return f"self.{self._gen.owned[(self.node.shares, suffix)]}"
        attr = self._gen.attrs.name(f"{self.node.name}_{suffix}")
        self._gen.owned[(self.node.name, suffix)] = attr
        value = _f32(value)
        empty = f"torch.empty({literal(tuple(int(d) for d in value.shape))})"
        if parameter:
            self._gen.init_lines.append(f"self.{attr} = nn.Parameter({empty})")
        else:
            self._gen.init_lines.append(f"self.register_buffer({attr!r}, {empty})")
        self._gen.state[attr] = value
        self._gen.node_ids[attr] = self.node.name
        return f"self.{attr}"

    def init(self, line: str) -> None:
        """An extra statement in ``__init__`` (after the submodules declared so far)."""
        self._gen.init_lines.append(line)

    def helper(self, name: str) -> str:
        """Include a helper function from helpers.py in the generated file; returns its name."""
        if name not in self._gen.helpers:
            self._gen.helpers.append(name)
        return name

    def temp(self, hint: str = "t") -> str:
        return self._gen.locals.name(f"{self.node.name}_{hint}")

    def stmt(self, line: str) -> None:
        """A statement run before the node's own line (for multi-step ops)."""
        self._gen.forward_lines.append(line)

    def activation(self, x: str, name: str | None = None) -> str:
        name = name or getattr(self.node, "activation", "linear")
        if name in ACTIVATION_HELPERS:
            self.helper(ACTIVATION_HELPERS[name])
        return apply_activation(name, x)


def _f32(a) -> np.ndarray:
    a = np.asarray(a)
    a = a.astype(np.float32) if a.dtype == np.float64 else a
    return np.require(a, requirements="C")  # ascontiguousarray would make a 0-d array 1-d


def generate(model: Model, *, channels_first: bool = False, seed: int | None = 0) -> TorchSource:
    a = checked_analysis(model)
    params = model_params(model, a, seed)
    gen = _Generator()
    cls = class_name(model.name)
    var: dict[str, str] = {}  # tensor reference -> local variable
    args = []
    for name, spec in model.inputs.items():
        v = gen.locals.name(name)
        var[name] = v
        args.append(v)
        if channels_first and len(spec.shape) >= 4:
            gen.forward_lines.append(f"{v} = {v}.movedim(1, -1)  # (N, C, ...) -> (N, ..., C)")

    def make_ctx(node, inputs, in_types, out_types, node_params):
        return NodeCtx(gen, node, inputs, in_types, out_types, node_params)

    emit_nodes(model, a, params, var, gen.locals, gen.forward_lines, make_ctx, converter_for)
    results = []
    for ref in model.outputs:
        r = var[ref]
        if channels_first and a.types[ref].rank >= 4:
            r = f"{r}.movedim(-1, 1)"
        results.append(r)
    gen.forward_lines.append(
        "return " + (results[0] if len(results) == 1 else "(" + ", ".join(results) + ",)")
    )
    source = _render(model, cls, args, gen)
    return TorchSource(source, cls, gen.state, gen.node_ids)


def _render(model: Model, cls: str, args: list[str], gen: _Generator) -> str:
    lines = [
        f"# Generated by nnspec {VERSION} from the spec {model.name!r} (format {model.nnspec}).",
        "# Tensors keep the spec's layout: batch first, channels last.",
        "# Load weights: module.load_state_dict(safetensors.torch.load_file(path))",
        "import torch",
        "import torch.nn.functional as F",
        "from torch import nn",
        "",
    ]
    for h in gen.helpers:
        lines += ["", HELPERS[h].strip(), ""]
    lines += [
        "",
        f"class {cls}(nn.Module):",
        "    def __init__(self):",
        "        super().__init__()",
    ]
    lines += [f"        {line}" for line in gen.init_lines]
    lines += ["", f"    def forward(self, {', '.join(args)}):"]
    lines += [f"        {line}" for line in gen.forward_lines]
    lines += ["", "", f"NODE_IDS = {literal_dict(gen.node_ids)}", ""]
    return "\n".join(lines)


def literal_dict(d: dict[str, str]) -> str:
    if not d:
        return "{}"
    items = "".join(f"\n    {literal(k)}: {literal(v)}," for k, v in d.items())
    return "{" + items + "\n}"
