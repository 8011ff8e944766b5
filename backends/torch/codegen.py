"""Spec -> readable PyTorch source: an ``nn.Module`` with named submodules and a ``forward``
with one line per node, channels-first inside as a person writes it. Imports no torch.

Converters return descriptions (describe.py); the layout pass (layout.py) decides which
tensors are channels-first; ``Generator`` renders both into one file.

Names, as a person writes them: along a chain (a value whose one reader is the next node)
one local is rebound, ``x = self.bn(x)``, which frees the old value; a residual branch that
a merge reads later is ``shortcut``; a value read more than once, or later, and the model's
inputs and outputs keep their node's name. A line whose local and call do not name its node
says it (``# node 'relu1'``), and ``TorchSource.node_lines`` tells the report which line binds
which node. ``del`` lines (free_locals.py) free what rebinding does not.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from nnspec.spec.errors import ConversionError
from nnspec.spec.graph import topological_nodes
from nnspec.spec.model import Model
from nnspec.spec.names import Namespace
from nnspec.spec.node import Node
from nnspec.spec.types import TensorType

from ..codegen_common import VERSION, call, class_name, literal, node_params, used_names
from ..generator import Generator as SharedGenerator
from ._common import c_order
from .activations import RUNTIME, apply_activation
from .describe import Module, Op, Tensor, as_op
from .free_locals import free_dead_locals_mapped
from .layout import CF, CL, TF, Layout, Plan, assign, convert, suffix, torch_dim
from .registry import converter_for, layout_rule, takes_padding
from .reserved import FILE_NAMES, MODULE_ATTRIBUTES


@cache
def runtime_functions() -> dict[str, str]:
    """Source of each public function of runtime.py, read from the file (so no torch)."""
    path = Path(__file__).with_name("runtime.py")
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")  # once: ast.get_source_segment splits the file on every call

    def segment(n: ast.FunctionDef) -> str:
        end = n.end_lineno or n.lineno
        last = lines[end - 1].encode()[: n.end_col_offset].decode()  # offsets count bytes
        return "\n".join([*lines[n.lineno - 1 : end - 1], last])

    return {n.name: segment(n) for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}


# the global of an in-memory generated module holding ``TorchSource.node_lines``
NODE_LINES = "__nnspec_node_lines__"


@dataclass
class TorchSource:
    """Generated module source and the state dict it loads (numpy arrays, torch layout)."""

    source: str
    class_name: str
    state_dict: dict[str, np.ndarray]
    node_ids: dict[str, str] = field(default_factory=dict)
    # forward's line (counted from its ``def``) reached right after a node's values are
    # bound -> (local, tensor reference) of each: names are rebound along a chain, so the
    # report (nnspec/report.py) reads a node's value here, not by its name
    node_lines: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)


class NodeCtx:
    """What a converter sees: the node, its inputs as local names (in the layouts its layout
    rule chose), their canonical types, the output types and the node's weights."""

    def __init__(
        self,
        gen: Generator,
        node: Node,
        inputs: list[str],
        in_types: list[TensorType],
        out_types: list[TensorType],
        params: dict[str, np.ndarray],
        layouts: tuple[Layout, ...],
        out_layout: Layout,
    ):
        self._gen = gen
        self.node = node
        self.inputs = inputs
        self.in_types = in_types
        self.out_types = out_types
        self.params = params
        self.layouts = layouts
        self.out_layout = out_layout
        self.helpers: list[str] = []
        self.padding_before: tuple[int, ...] | None = None  # a zero padding folded in
        self.overwritable: tuple[bool, ...] = (False,) * len(inputs)  # see Generator.node

    @property
    def x(self) -> str:
        """The first input's name."""
        return self.inputs[0]

    @property
    def layout(self) -> Layout:
        """The layout of the first input."""
        return self.layouts[0] if self.layouts else CL

    def dim(self, axis: int, i: int = 0) -> int:
        """The PyTorch dim of the canonical ``axis`` of input ``i`` in its layout."""
        return torch_dim(axis, self.in_types[i].rank, self.layouts[i])

    def attr(self, suffix: str = "") -> str:
        """``self.<name>`` for a submodule or weight of this node, to declare in ``Op.modules``
        or ``Op.tensors`` (a node that ``shares`` weights gets its owner's)."""
        owner = self.node.shares or self.node.id
        return f"self.{self._gen.attr_name(owner, suffix)}"

    def temp(self, hint: str = "t") -> str:
        """A fresh local name for an intermediate value."""
        return self._gen.locals.name(f"{self.node.name}_{hint}")

    def helper(self, name: str) -> str:
        """A runtime.py function the generated file must define; returns its name."""
        if name not in runtime_functions():
            raise KeyError(f"runtime.py has no function {name!r}")
        if name not in self.helpers:
            self.helpers.append(name)
        return name

    def activation(self, x: str, name: str | None = None, inplace: bool = False) -> str:
        """``x`` through the node's activation (softmax over the channels where they are);
        ``inplace``: ``x`` may be overwritten (``overwritable``) where PyTorch can."""
        name = name or str(getattr(self.node, "activation", "linear"))
        if name in RUNTIME:
            self.helper(name)
        rank = self.out_types[0].rank if self.out_types else 2
        dim = torch_dim(-1, rank, self.out_layout) if self.out_layout in (CF, TF) else None
        return apply_activation(name, x, dim, inplace)

    def sub(self, node: Node, inputs: list[str], in_types, out_types, layouts, out_layout):
        """A context for an inner node (time_distributed) sharing this node's weights."""
        ctx = NodeCtx(
            self._gen, node, inputs, in_types, out_types, self.params, layouts, out_layout
        )
        ctx.helpers = self.helpers
        self._gen.uses_cf |= CF in layouts or TF in layouts
        return ctx


def _root(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory (``a`` itself unless it is a view)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _f32(a) -> np.ndarray:
    a = np.asarray(a)
    a = a.astype(np.float32) if a.dtype == np.float64 else a
    return c_order(a)  # the fast copy of a transposed kernel; a 0-d array stays 0-d


def _pads(node: Node) -> tuple[tuple[int, int], ...]:
    """A zero_padding node's (before, after) cells per spatial axis."""
    return tuple(getattr(node, "padding", ()))


# Ops whose output is a fresh tensor that their backward does not read (a ReLU may overwrite
# it in place, as a hand-written ResNet does, and training still works): not a sigmoid's.
_FRESH_OUTPUT = frozenset(
    ("conv1d", "conv2d", "conv3d", "depthwise_conv1d", "depthwise_conv2d", "batch_norm")
    + ("dense", "add")
)


def fresh_output(node: Node) -> bool:
    """``node``'s value is a new tensor no backward reads: an op of ``_FRESH_OUTPUT`` with no
    activation of its own (a fused sigmoid's backward reads its output)."""
    return node.op in _FRESH_OUTPUT and getattr(node, "activation", "linear") == "linear"


def foldable_padding(model: Model) -> dict[str, str]:
    """zero_padding nodes whose symmetric padding their only reader, a 'valid' convolution
    (a converter registered with ``absorbs_padding``), takes as its own ``padding=``:
    {conv node: padding node}."""
    readers: dict[str, list[Node]] = {}
    for n in model.nodes:
        for r in n.inputs or []:
            readers.setdefault(r, []).append(n)
    by_name = {n.name: n for n in model.nodes}
    shared = {n.shares for n in model.nodes if n.shares}
    out = {}
    for n in model.nodes:
        if not n.op.startswith("zero_padding") or n.name in model.outputs:
            continue
        users = readers.get(n.id, [])
        if len(users) != 1 or len(set(users[0].inputs or [])) != 1:
            continue
        conv = by_name[users[0].id]
        if (
            (takes_padding(conv) or _pool_takes(conv, n, by_name))
            and getattr(conv, "padding", None) == "valid"
            and conv.shares is None
            and conv.name not in shared
            and all(a == b for a, b in _pads(n))
        ):
            out[conv.id] = n.id
    return out


# Activations whose output is never negative.
_NON_NEGATIVE = frozenset(
    ("relu", "relu6", "sigmoid", "hard_sigmoid", "softplus", "exponential", "softmax")
)


def _pool_takes(pool: Node, padding: Node, by_name: Mapping[str | None, Node]) -> bool:
    """A pooling's own ``padding=`` computes what it computes on the zero-padded input: an
    average counting the padded cells (PyTorch's default), or a max (padded with -inf) of a
    never-negative input, each window holding an input cell (PyTorch: at most half the
    window padded), as ResNet's max pooling after a ReLU is written by hand."""
    pads = _pads(padding)
    window = getattr(pool, "pool_size", ())
    if not pool.op.startswith(("max_pool", "avg_pool")):
        return False
    if len(pads) != len(window) or any(2 * a > k for (a, _), k in zip(pads, window)):
        return False
    if pool.op.startswith("avg"):
        return True
    source = by_name.get((padding.inputs or [""])[0].split(":")[0])
    if source is None or source.op not in ("activation", "relu"):
        return False
    if source.op == "relu":
        return not getattr(source, "negative_slope", 0.0)  # its threshold is never negative
    return str(getattr(source, "activation", "")) in _NON_NEGATIVE


class Generator(SharedGenerator):
    """Renders a spec, its layout plan and its converters' descriptions as one module."""

    def __init__(self, model: Model, *, channels_first: bool = False, seed: int | None = 0):
        reserved_locals = ("self", *FILE_NAMES, *runtime_functions())
        super().__init__(model, reserved_locals, seed)
        # The spec's own arrays: a state entry sharing memory with one is copied (training
        # the module must not change the spec); converted ones (transposed) are new already.
        spec_params = model.params.values() if model.params else ()
        self._spec_buffers = {id(_root(np.asarray(p))) for p in spec_params}
        self.channels_first = channels_first
        self.plan: Plan = assign(model, self.a, layout_rule, channels_first)
        # `self.x` never meets a global name
        self.attrs = Namespace(MODULE_ATTRIBUTES, identifiers=True)
        self.class_name = Namespace(reserved_locals, identifiers=True).name(class_name(model.name))
        self.locals.reserve(self.class_name)
        self._attr: dict[tuple[str, str], str] = {}
        self.init_lines: list[str] = []
        self.state: dict[str, np.ndarray] = {}
        self.helpers: list[str] = []
        self.value: dict[tuple[str, Layout], str] = {}  # (tensor, layout) -> local name
        self.folded = foldable_padding(model)
        self.reads = Counter(r for n in model.nodes for r in n.inputs or [])
        self.fresh: set[str] = set()  # tensors bound to a line of a fresh_output node
        self.uses_cf = any(v in (CF, TF) for v in self.plan.have.values())
        # Names along a chain: a value whose one reader is the next node is not given a
        # name of its own; the chain rebinds one local (``x``), which frees the old value.
        self.order = list(topological_nodes(model))  # (walked once: it builds a graph)
        self.next_node = dict(pairwise(n.id for n in self.order))
        self.reader: dict[str, str] = {}
        for n in model.nodes:
            for r in n.inputs or []:
                self.reader[r] = n.id
        self.left = Counter(self.reads)  # reads of each tensor still to be written
        self.chain_names: list[str] = []
        self.roles: dict[str, str] = {}  # x, shortcut -> its local
        self.chain_end: dict[str, str] = {}
        self.inputs_of = {n.id: n.inputs or [] for n in model.nodes}
        self.refs_of: dict[str, set[str]] = {}  # local -> tensors whose value it holds
        self.holds: dict[str, tuple[str, Layout]] = {}  # local -> the value bound to it
        self.token: dict[tuple[str, Layout], tuple[str, Layout]] = {}  # key -> that value
        self.args: set[str] = set()
        self.busy: set[str] = set()  # the locals the node being written reads
        self.locals_of: dict[str, set[str]] = {}  # tensor -> locals it was bound to
        self.bound_lines: list[tuple[int, tuple[tuple[str, str], ...]]] = []
        self.node_lines: dict[int, tuple[tuple[str, str], ...]] = {}
        # line -> (names read, names bound) of the lines the generator writes itself, so
        # that only a converter's own statements are parsed to place the ``del`` lines
        self.known: dict[int, tuple[set[str], set[str]]] = {}

    # names -----------------------------------------------------------------------------
    def attr_name(self, node: str, sfx: str) -> str:
        key = (node, sfx)
        if key not in self._attr:
            wanted = node + (f"_{sfx}" if sfx else "")
            name = self.attrs.name(wanted)
            self._attr[key] = name
            if name != node:  # renamed, or one of several attributes of the node
                self.node_ids[name] = node
        return self._attr[key]

    def read(self, ref: str, layout: Layout) -> str:
        """The local holding tensor ``ref`` in ``layout``, permuting it once if needed."""
        key = (ref, layout)
        if key not in self.value:
            have = self.plan.have[ref]
            src = self.value[(ref, have)]
            rank = self.a.types[ref].rank
            carried = self._carried(ref, reader_only=True)
            name = self._chain_local([src], self.busy) if carried else None
            if name is None:
                name = self.locals.name(f"{src}_{suffix(layout, rank, have)}")
            elif name == src:  # rebinding it: the value in the old layout is gone
                del self.value[(ref, have)]
            self.uses_cf |= layout in (CF, TF)
            note = ""
            if ref in self.model.inputs and have == CL and layout in (CF, TF):
                was, now = suffix(CL, rank, layout).upper(), suffix(layout, rank).upper()
                note = f"  # {was} in, {now} from here on"
            self.known[len(self.lines)] = ({src}, {name})
            self.lines.append(f"{name} = {convert(src, have, layout, rank)}{note}")
            self._hold(name, key, key)
            self.busy.add(name)
        return self._check(key)

    def _hold(self, local: str, key: tuple[str, Layout], value: tuple[str, Layout]) -> None:
        """``key`` (tensor, layout) is now in ``local``, which holds ``value``'s tensor."""
        if value == key:  # a new value bound to the local
            self.refs_of[local] = set()
            self.holds[local] = key
        self.refs_of[local].add(key[0])
        self.locals_of.setdefault(key[0], set()).add(local)
        self.value[key] = local
        self.token[key] = value

    def _check(self, key: tuple[str, Layout]) -> str:
        """The local of ``key``, after checking that no rebinding took its value."""
        local = self.value[key]
        if self.holds.get(local) != self.token[key]:
            raise ConversionError(
                f"internal error: the local {local!r} was rebound while tensor {key[0]!r} "
                "was still to be read; this is a bug in nnspec's code generator"
            )
        return local

    def _carried(self, ref: str, reader_only: bool = False) -> bool:
        """``ref`` is read once, by the node after its producer (``reader_only``: by some
        node, which reads it now), and is no output or input of the model."""
        if self.reads[ref] != 1 or ref in self.model.outputs or ":" in ref:
            return False
        if reader_only:
            return True
        return ref not in self.model.inputs and self.next_node.get(ref) == self.reader.get(ref)

    def _free(self, local: str) -> bool:
        """No tensor ``local`` holds is read again (nor returned)."""
        refs = self.refs_of.get(local, ())
        return local not in self.args and all(
            self.left[r] == 0 and r not in self.model.outputs for r in refs
        )

    def _chain_local(self, inputs: list[str], busy: set[str], role: str = "x") -> str | None:
        """The local a chain value is bound to: a chain local among ``inputs`` whose value
        dies here (rebinding it frees it), else the free local of ``role`` (``x``, or
        ``shortcut``) if the node being written does not read it (``busy``); else None."""
        mine = self.roles.get(role)
        for local in sorted(inputs, key=lambda v: v != mine):  # its own role's first
            if local in self.chain_names and self._free(local):
                return local
        if role not in self.roles:
            self.roles[role] = self.locals.name(role)
            self.chain_names.append(self.roles[role])
        local = self.roles[role]
        return local if local not in busy and self._free(local) else None

    def _target(self, node: Node, inputs: list[str]) -> str | None:
        """The local of a one-output node's value when it is not named after the node: on a
        chain (``x``), or a residual shortcut (a chain whose last value a merge reads later:
        ``shortcut``, as it is written by hand)."""
        busy = {*inputs, *self.busy}
        if self._carried(node.id):
            end = self._chain_end(node.id)
            role = "shortcut" if end != node.id and self._side_end(end) else "x"
            return self._chain_local(inputs, busy, role)
        if self._side_end(node.id) and "shortcut" in self.roles:
            local = self.roles["shortcut"]
            return local if local in inputs and self._free(local) else None
        return None

    def _chain_end(self, ref: str) -> str:
        """The last value of the chain through ``ref`` (each carried to the next node)."""
        if ref not in self.chain_end:
            path = [ref]
            while self._carried(path[-1]) and path[-1] not in self.chain_end:
                path.append(self.next_node[path[-1]])
            end = self.chain_end.get(path[-1], path[-1])
            self.chain_end.update(dict.fromkeys(path, end))
        return self.chain_end[ref]

    def _side_end(self, ref: str) -> bool:
        """``ref`` is read once, later, by a node merging it with other values."""
        if self.reads[ref] != 1 or ref in self.model.outputs or ref in self.model.inputs:
            return False
        reader = self.reader[ref]
        return self.next_node.get(ref) != reader and len(set(self.inputs_of[reader])) > 1

    # rendering -------------------------------------------------------------------------
    def owned(self, value) -> np.ndarray:
        """A state-dict array of its own: float32, C order, sharing no memory with the spec."""
        value = _f32(value)
        if id(_root(value)) in self._spec_buffers:
            value = value.copy()
        return value

    def declare(self, node: Node, op: Op) -> None:
        if node.shares is not None:
            return  # the owner declared them
        for target, m in op.modules.items():
            attr = target.removeprefix("self.")
            line = f"self.{attr} = " + call(m.cls, *map(literal, m.args), **m.kwargs)
            if m.comment:
                line += f"  # {m.comment}"
            self.init_lines.append(line)
            for key, value in m.weights.items():
                self.state[f"{attr}.{key}"] = self.owned(value)
            for key in m.frozen:
                self.init_lines.append(f"self.{attr}.{key}.requires_grad_(False)")
        for target, t in op.tensors.items():
            attr = target.removeprefix("self.")
            value = self.owned(t.value)
            empty = f"torch.empty({literal(tuple(int(d) for d in value.shape))})"
            if t.parameter:
                self.init_lines.append(f"self.{attr} = nn.Parameter({empty})")
            else:
                self.init_lines.append(f"self.register_buffer({attr!r}, {empty})")
            self.state[attr] = value

    def node(self, node: Node) -> None:
        a = self.a
        refs = node.inputs or []
        layouts = self.plan.reads[node.id]
        out_layout = self.plan.have[node.id]
        self.left.subtract(refs)  # read now: a local whose tensors have no reads left is free
        self.busy = {v for r in refs for v in self.locals_of.get(r, ())}
        if node.op.startswith("zero_padding") and node.name in self.folded.values():
            self._alias((node.id, out_layout), (refs[0], layouts[0]))
            return
        inputs = [self.read(r, lay) for r, lay in zip(refs, layouts)]
        for r, lay in zip(refs, layouts):  # none rebound by the permute of another
            self._check((r, lay))
        outs = a.outputs[node.id]
        ctx = NodeCtx(
            self,
            node,
            inputs,
            [a.types[r] for r in refs],
            list(outs),
            node_params(node, a, self.params),
            layouts,
            out_layout,
        )
        # An input this node alone reads, made fresh by its producer: overwriting it in place
        # (``F.relu(x, inplace=True)``) changes no other value (inputs, outputs are never so).
        ctx.overwritable = tuple(
            r in self.fresh and self.reads[r] == 1 and r not in self.model.outputs for r in refs
        )
        if node.id in self.folded:
            pad = next(n for n in self.model.nodes if n.name == self.folded[node.id])
            ctx.padding_before = tuple(before for before, _ in _pads(pad))
        op = as_op(converter_for(node)(node, ctx))
        calls = op.calls
        if len(calls) not in (1, len(outs)):  # one call may give a tuple of every output
            raise ConversionError(
                f"the PyTorch converter gave {len(calls)} outputs, the op has {len(outs)}",
                node=node.name,
                op=node.op,
            )
        self.declare(node, op)
        for h in (*ctx.helpers, *op.helpers):
            if h not in self.helpers:
                self.helpers.append(h)
        self.lines.extend(op.statements)
        if len(outs) == 1 and calls[0] in inputs:  # an identity: no line
            if layouts[inputs.index(calls[0])] != out_layout:
                raise ConversionError(
                    f"the PyTorch converter returns an input in layout "
                    f"{layouts[inputs.index(calls[0])]}, its layout rule says {out_layout}",
                    node=node.name,
                    op=node.op,
                )
            self._alias((node.id, out_layout), (refs[inputs.index(calls[0])], out_layout))
            return
        target = self._target(node, inputs) if len(outs) == 1 else None
        for key, local in self.bind(node, calls, target).items():
            self._hold(local, (key, self.plan.have[key]), (key, self.plan.have[key]))
            if len(outs) == 1 and fresh_output(node):
                self.fresh.add(key)  # (an identity, such as a dropout, is not: no line)

    def walk(self) -> None:
        for node in self.order:
            self.node(node)

    def _alias(self, key: tuple[str, Layout], of: tuple[str, Layout]) -> None:
        """Tensor ``key`` is the value of ``of`` (an identity): no line, the same local."""
        local = self.read(*of)
        self._hold(local, key, self.token[of])

    def bind(self, node: Node, calls: tuple[str, ...], target: str | None = None):
        keys = super().bind(node, calls, target)
        at = len(self.lines) - 1
        self.bound_lines.append((at, tuple((v, k) for k, v in keys.items())))
        stored = self.lines[at].split(" = ", 1)[0].split(", ")
        self.known[at] = (read_names(", ".join(calls)), set(stored))
        return keys

    def generate(self) -> TorchSource:
        args = []
        for name in self.model.inputs:
            v = self.local(name, name)
            self._hold(v, (name, self.plan.have[name]), (name, self.plan.have[name]))
            self.args.add(v)
            args.append(v)
        self.walk()
        results = []
        for ref in self.model.outputs:
            rank = self.a.types[ref].rank
            want = CF if self.channels_first and rank >= 4 else CL
            have = self.plan.have[ref]
            if (ref, want) in self.value:
                results.append(self._check((ref, want)))
            else:
                results.append(convert(self._check((ref, have)), have, want, rank))
        self.known[len(self.lines)] = (read_names(", ".join(results)), set())
        self.lines.append("return " + (results[0] if len(results) == 1 else ", ".join(results)))
        source = self.render(args)
        return TorchSource(source, self.class_name, self.state, self.node_ids, self.node_lines)

    def header(self) -> list[str]:
        model = self.model
        lines = [
            f"# Generated by nnspec {VERSION} from the spec {model.name!r} (format {model.nnspec})."
        ]
        if not self.uses_cf:
            lines.append("# Tensors keep the spec's layout: batch first, channels last.")
        elif self.channels_first:
            lines.append(
                "# Channels first (N, C, ...) throughout: image inputs and outputs too "
                "(channels_first=True)."
            )
        else:
            lines.append(
                "# Channels first (N, C, ...) inside; inputs and outputs keep the spec's "
                "channels-last layout."
            )
        lines.append("# Load weights: module.load_state_dict(safetensors.torch.load_file(path))")
        return lines

    def render(self, args: list[str]) -> str:
        forward, ends = free_dead_locals_mapped(self.lines, set(args), self.known)
        # the first line run after a node's statement: reached once its values are bound
        # (a comment has no line of its own to run)
        self.node_lines = {}
        for k, bound in self.bound_lines:
            j = ends[k] + 1
            while not forward[j].strip() or forward[j].lstrip().startswith("#"):
                j += 1
            self.node_lines[1 + j] = bound
        body = [
            f"class {self.class_name}(nn.Module):",
            "    def __init__(self):",
            "        super().__init__()",
            *[f"        {line}" for line in self.init_lines],
            "",
            f"    def forward(self, {', '.join(args)}):",
            *[f"        {line}" for line in forward],
        ]
        helpers = [runtime_functions()[h] for h in self.helpers]
        code = "\n\n\n".join([*helpers, "\n".join(body)])
        if self.node_ids:
            code += f"\n\n\nNODE_IDS = {literal_dict(self.node_ids)}"
        used = used_names(code)
        imports = ["import torch"] if "torch" in used else []
        if "F" in used:
            imports.append("import torch.nn.functional as F")
        imports.append("from torch import nn")
        return "\n".join([*self.header(), *imports, "", "", code, ""])


def read_names(expr: str) -> set[str]:
    """The names an expression the generator wrote reads (parsed, never pattern-matched; a
    superset: ``F``, ``torch``, a lambda's parameters, none of them a local holding a tensor)."""
    return {n.id for n in ast.walk(ast.parse(expr, mode="eval")) if isinstance(n, ast.Name)}


def generate(model: Model, *, channels_first: bool = False, seed: int | None = 0) -> TorchSource:
    return Generator(model, channels_first=channels_first, seed=seed).generate()


def literal_dict(d: dict[str, str]) -> str:
    items = "".join(f"\n    {literal(k)}: {literal(v)}," for k, v in d.items())
    return "{" + items + "\n}"


__all__ = ["Generator", "Module", "NodeCtx", "Op", "Tensor", "TorchSource", "generate"]
