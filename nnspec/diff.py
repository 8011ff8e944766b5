"""`nnspec diff`: a semantic diff of two specs (nodes, attributes, wiring, shapes, weights).

Nodes are matched by name; what is left over is matched as a rename when op, attributes and
wiring (inputs mapped through the names matched so far) agree, or op and wiring alone for
the only such candidate (a rename with an attribute change), so a renamed node is not
reported as removed and added. Attributes are compared after defaults are filled in, so
``padding: valid`` written out equals it left implicit. Works on a spec that fails
validation (schema errors: nodes that parse are compared, the rest by their raw YAML).
Imports no framework; numpy and safetensors only when both weights files are there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnspec.spec.errors import Issue, SchemaError, SpecError
from nnspec.spec.node import RESERVED, Node

if TYPE_CHECKING:
    import numpy as np

    from nnspec.spec.io import YamlPath
    from nnspec.spec.model import Model


class DiffUsageError(Exception):
    """The two files cannot be compared at all (unreadable, different format versions)."""


@dataclass
class NodeRec:
    """One node as the diff sees it: plain values, inputs always explicit."""

    name: str
    op: str
    inputs: list[str]
    attrs: dict[str, Any]  # every attribute, defaults included (raw YAML if it did not parse)
    index: int
    shares: str | None = None
    shape: str | None = None  # output types, e.g. "(None, 10)"; None when not inferred
    params: int | None = None
    node: Any = None  # the parsed Node; None when the node did not parse

    def written(self) -> dict[str, Any]:
        """The attributes as `save` writes them (defaults left out), for display."""
        return _plain_attrs(self.node) if self.node is not None else self.attrs


@dataclass
class Side:
    """One spec: its records by name, marks for line numbers and what validation found."""

    file: str
    nodes: dict[str, NodeRec]
    top: dict[str, Any]
    marks: Mapping[YamlPath, tuple[int, int]]
    issues: list[Issue] = field(default_factory=list)
    weights: dict[str, np.ndarray] | None = None  # when the weights file was read
    model: Model | None = None

    def line(self, *path: Any) -> int | None:
        while path:
            at = self.marks.get(path)
            if at:
                return at[0]
            path = path[:-1]
        return None


@dataclass
class NodeChange:
    name: str  # in B
    old_name: str  # in A (differs for a rename)
    op: str
    old_op: str
    attrs: list[tuple[str, Any, Any]] = field(default_factory=list)
    inputs: tuple[list[str], list[str]] | None = None  # (A's, mapped to B names; B's)
    shares: tuple[Any, Any] | None = None
    shape: tuple[str | None, str | None] | None = None
    params: tuple[int | None, int | None] | None = None
    b_index: int = 0

    @property
    def renamed(self) -> bool:
        return self.name != self.old_name

    @property
    def own_change(self) -> bool:
        """Changed in itself (not only downstream of an upstream change)."""
        return bool(self.attrs or self.inputs or self.shares or self.op != self.old_op)


@dataclass
class WeightChange:
    key: str  # B's key (node/param)
    status: str  # "changed", "added", "removed", "reshaped"
    old_hash: str | None = None
    new_hash: str | None = None
    max_abs: float | None = None
    old_shape: tuple[int, ...] | None = None
    new_shape: tuple[int, ...] | None = None


@dataclass
class Diff:
    a: Side
    b: Side
    added: list[NodeRec] = field(default_factory=list)
    removed: list[NodeRec] = field(default_factory=list)
    changed: list[NodeChange] = field(default_factory=list)
    top: list[tuple[str, Any, Any]] = field(default_factory=list)
    weights: list[WeightChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not (self.added or self.removed or self.changed or self.top or self.weights)

    @property
    def valid(self) -> bool:
        return not any(i.severity == "error" for i in self.a.issues + self.b.issues)

    def total_params(self, side: str) -> int | None:
        recs = (self.a if side == "a" else self.b).nodes.values()
        counts = [r.params for r in recs if r.params is not None]
        return None if len(counts) < len(recs) else sum(counts)


# --- reading --------------------------------------------------------------------------------


def _plain_attrs(node: Node) -> dict[str, Any]:
    from nnspec.spec.io import node_to_dict

    d = node_to_dict(node, None)
    return {k: v for k, v in d.items() if k not in RESERVED}


def _version(data: Any) -> Any:
    return data.get("nnspec", 1) if isinstance(data, dict) else None


def read_side(path: str) -> tuple[Side, Any]:
    """A Side for ``path`` and its format version. Raises DiffUsageError if unreadable."""
    from nnspec.spec.io import _compose, from_dict

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise DiffUsageError(
            f"{path}: cannot read spec: {getattr(e, 'strerror', None) or e}"
        ) from None
    try:
        data, marks = _compose(text, path)
    except SchemaError as e:
        raise DiffUsageError(str(e.issues[0])) from None
    if not isinstance(data, dict):
        raise DiffUsageError(f"{path}: not a spec (a mapping with 'nnspec', 'inputs', 'nodes')")
    version = _version(data)
    try:
        model = from_dict(data, file=path, marks=marks)
    except SchemaError as e:
        return _raw_side(path, data, marks, e.issues), version
    return model_side(model, path, marks), version


def model_side(
    model: Model, path: str, marks: Mapping[YamlPath, tuple[int, int]] | None = None
) -> Side:
    """A Side from a parsed Model: validated, shapes and parameter counts inferred."""
    from nnspec.spec.validate import analyse

    analysis = analyse(model, check_weights=False)
    recs = {}
    shape_texts: dict[tuple[Any, ...], str] = {}  # most nodes of a model share a few shapes
    # Node.attrs looks up its class's fields each call (pydantic: slow); once per op class here
    attr_names: dict[type, tuple[str, ...]] = {}
    for i, node in enumerate(model.nodes):
        names = attr_names.get(type(node))
        if names is None:
            attrs = node.attrs()
            attr_names[type(node)] = tuple(attrs)
        else:
            attrs = {k: getattr(node, k) for k in names}
        nid = node.id  # a property: once
        outs = analysis.outputs.get(nid)
        shape = None
        if outs is not None:
            key = tuple(t.shape for t in outs)
            shape = shape_texts.get(key)
            if shape is None:
                shape = shape_texts[key] = " ".join(str(t) for t in outs)
        ws = analysis.weights.get(nid)
        recs[nid] = NodeRec(
            name=nid,
            op=node.op,
            inputs=list(node.inputs or ()),
            attrs=attrs,
            index=i,
            shares=node.shares,
            shape=shape,
            params=sum(math.prod(w.shape) for w in ws.values()) if ws is not None else None,
            node=node,
        )
    top = {
        "name": model.name,
        "inputs": {k: f"{list(v.shape)} {v.dtype}" for k, v in model.inputs.items()},
        "outputs": list(model.outputs),
        "metadata": model.metadata,
    }
    return Side(
        path, recs, top, marks if marks is not None else model._marks, analysis.issues, None, model
    )


def _raw_side(
    path: str,
    data: dict[str, Any],
    marks: Mapping[YamlPath, tuple[int, int]],
    issues: list[Issue],
) -> Side:
    """What can be compared of a spec that does not parse: each node that parses on its own
    in canonical form, the others as their raw YAML mapping."""
    from nnspec.spec.io import _parse_node

    recs: dict[str, NodeRec] = {}
    previous = next(iter(data.get("inputs") or {}), None)
    counters: dict[str, int] = {}
    raw_nodes = data["nodes"] if isinstance(data.get("nodes"), list) else []
    for i, raw in enumerate(raw_nodes):
        if not isinstance(raw, dict):
            continue
        node = _parse_node(raw, i, marks, path, [])
        op = str(raw.get("op"))
        name = raw.get("name")
        if not isinstance(name, str):
            counters[op] = counters.get(op, 0) + 1
            name = f"{op}_{counters[op]}"
        raw_inputs = raw.get("inputs", [previous] if previous is not None else [])
        inputs = [raw_inputs] if isinstance(raw_inputs, str) else list(raw_inputs or [])
        attrs = (
            node.attrs()
            if node is not None
            else {k: v for k, v in raw.items() if k not in RESERVED}
        )
        recs[name] = NodeRec(name, op, [str(x) for x in inputs], attrs, i, raw.get("shares"))
        recs[name].node = node
        previous = name
    top = {
        "name": data.get("name"),
        "inputs": data.get("inputs"),
        "outputs": data.get("outputs") or ([previous] if previous else []),
        "metadata": data.get("metadata") or {},
    }
    return Side(path, recs, top, marks, list(issues))


def _attach_weights(side: Side, notes: list[str]) -> None:
    from nnspec.spec.io import load_weights

    model = side.model
    if model is None or not model.weights:
        return
    try:
        side.weights = load_weights(model, Path(side.file).parent)
    except SpecError as e:
        notes.append(f"{side.file}: {e.issues[0].message}: structure compared, weights not")


# --- matching -------------------------------------------------------------------------------


def _ref_name(ref: str, names: Container[str]) -> tuple[str, str]:
    """``lstm:1`` -> ("lstm", ":1") when ``lstm`` is a name; otherwise (ref, "")."""
    if ref in names:
        return ref, ""
    head, sep, tail = ref.rpartition(":")
    if sep and tail.isdigit() and head in names:
        return head, ":" + tail
    return ref, ""


def _key(attrs: dict[str, Any]) -> str:
    return repr(sorted(attrs.items()))


def match(a: Side, b: Side) -> dict[str, str]:
    """A name -> B name: same names first, then renames by op, attributes and wiring."""
    mapping = {n: n for n in a.nodes if n in b.nodes}
    mapping.update({k: k for k in a.top.get("inputs") or {} if k in (b.top.get("inputs") or {})})
    free_b = {n for n in b.nodes if n not in a.nodes}
    if not free_b:
        return mapping

    def mapped_inputs(rec: NodeRec) -> tuple[str, ...]:
        out = []
        for ref in rec.inputs:
            name, suffix = _ref_name(ref, a.nodes)
            out.append(mapping.get(name, "?" + name) + suffix)
        return tuple(out)

    by_wiring: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}
    by_op: dict[tuple[str, str], list[str]] = {}
    by_op_inputs: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for n in sorted(free_b, key=lambda n: b.nodes[n].index):
        rec = b.nodes[n]
        by_wiring.setdefault((rec.op, _key(rec.attrs), tuple(rec.inputs)), []).append(n)
        by_op.setdefault((rec.op, _key(rec.attrs)), []).append(n)
        by_op_inputs.setdefault((rec.op, tuple(rec.inputs)), []).append(n)

    def take(
        rec: NodeRec, index: dict[Any, list[str]], key: tuple[Any, ...], only: bool = False
    ) -> bool:
        found = [n for n in index.get(key, ()) if n in free_b]
        if not found or (only and len(found) > 1):
            return False
        mapping[rec.name] = found[0]
        free_b.discard(found[0])
        return True

    left = []
    for rec in a.nodes.values():  # spec order: a node's inputs are matched before it
        if rec.name not in mapping and not take(
            rec, by_wiring, (rec.op, _key(rec.attrs), mapped_inputs(rec))
        ):
            left.append(rec)
    # A renamed node whose attributes changed too: same op and the same (mapped) inputs, the
    # only such candidate. After every exact match, so none is taken from its own node; in
    # spec order, so the nodes reading it are then matched by their wiring.
    still = []
    for rec in left:
        inputs = mapped_inputs(rec)
        if not (
            take(rec, by_wiring, (rec.op, _key(rec.attrs), inputs))
            or (
                inputs
                and not any(i.startswith("?") for i in inputs)
                and take(rec, by_op_inputs, (rec.op, inputs), only=True)
            )
        ):
            still.append(rec)
    left = still
    # A renamed node whose input was rewired too: same op and attributes, the only candidate.
    for rec in left:
        found = [n for n in by_op.get((rec.op, _key(rec.attrs)), ()) if n in free_b]
        if len(found) == 1 and len([r for r in left if r.op == rec.op]) == 1:
            mapping[rec.name] = found[0]
            free_b.discard(found[0])
    return mapping


# --- comparing ------------------------------------------------------------------------------


def diff_sides(a: Side, b: Side) -> Diff:
    d = Diff(a, b)
    mapping = match(a, b)
    mapped_b = set(mapping.values())
    d.removed = [r for n, r in a.nodes.items() if n not in mapping]
    d.added = [r for n, r in b.nodes.items() if n not in mapped_b]
    for old, new in mapping.items():
        if old not in a.nodes:
            continue  # a model input
        change = _compare_node(a.nodes[old], b.nodes[new], mapping, a)
        if change is not None:
            d.changed.append(change)
    d.changed.sort(key=lambda c: c.b_index)
    for key in ("name", "inputs", "outputs", "metadata"):
        before, after = a.top.get(key), b.top.get(key)
        if key == "outputs" and isinstance(before, list):
            refs = (_ref_name(str(o), a.nodes) for o in before)
            before = [mapping.get(name, name) + suffix for name, suffix in refs]
        if before != after:
            d.top.append((key, a.top.get(key), after))
    _attach_weights(a, d.notes)
    _attach_weights(b, d.notes)
    if a.weights is not None and b.weights is not None:
        d.weights = compare_weights(a.weights, b.weights, mapping)
    return d


def _compare_node(ra: NodeRec, rb: NodeRec, mapping: dict[str, str], a: Side) -> NodeChange | None:
    c = NodeChange(rb.name, ra.name, rb.op, ra.op, b_index=rb.index)
    same = ra.attrs == rb.attrs  # most nodes of a big diff: no value to look at one by one
    for k in () if same else sorted(set(ra.attrs) | set(rb.attrs), key=_attr_order(ra, rb)):
        old = _plain(ra.attrs[k]) if k in ra.attrs else _missing(ra, k)
        new = _plain(rb.attrs[k]) if k in rb.attrs else _missing(rb, k)
        if old != new:
            c.attrs.append((k, old, new))
    mapped = [
        mapping.get(name, name) + suffix
        for name, suffix in (_ref_name(ref, a.nodes) for ref in ra.inputs)
    ]
    if mapped != rb.inputs:
        c.inputs = (ra.inputs, rb.inputs)
    old_shares = mapping.get(ra.shares, ra.shares) if ra.shares else None
    if old_shares != rb.shares:
        c.shares = (ra.shares, rb.shares)
    # Shapes and counts are unknown for a node that failed to parse or infer: not a change.
    if None not in (ra.shape, rb.shape) and ra.shape != rb.shape:
        c.shape = (ra.shape, rb.shape)
    if None not in (ra.params, rb.params) and ra.params != rb.params:
        c.params = (ra.params, rb.params)
    if c.own_change or c.renamed or c.shape or c.params:
        return c
    return None


def _plain(value: Any) -> Any:
    from nnspec.spec.write import _plain as plain

    return plain(value)


def _missing(rec: NodeRec, key: str) -> Any:
    """What a node without ``key`` has there: nothing (its op has no such attribute), or
    for a node that did not parse, the op's default."""
    from nnspec.spec.ops import op_class

    if rec.node is not None:
        return "(none)"
    try:
        f = op_class(rec.op).model_fields.get(key)
    except SpecError:
        f = None
    if f is None or f.is_required():
        return "(default)"
    return _plain(f.get_default(call_default_factory=True))


def _attr_order(ra: NodeRec, rb: NodeRec) -> Callable[[str], int]:
    order = {k: i for i, k in enumerate([*rb.attrs, *ra.attrs])}
    return lambda k: order[k]


def _digest(arr: np.ndarray) -> str:
    import hashlib  # here: only weights files are hashed

    h = hashlib.sha256(f"{arr.dtype}{tuple(arr.shape)}".encode())
    h.update(arr.tobytes())
    return h.hexdigest()[:12]


def compare_weights(
    wa: dict[str, np.ndarray], wb: dict[str, np.ndarray], mapping: dict[str, str]
) -> list[WeightChange]:
    """Per tensor: hash of each side and, when the shapes agree, the max abs difference."""
    import numpy as np

    renamed = {}
    for key in wa:
        node, _, param = key.partition("/")
        renamed[f"{mapping.get(node, node)}/{param}"] = key
    out = []
    for key in sorted(set(renamed) | set(wb)):
        old = wa.get(renamed[key]) if key in renamed else None
        new = wb.get(key)
        if old is None:
            assert new is not None  # the key comes from one side or the other
            out.append(WeightChange(key, "added", new_hash=_digest(new), new_shape=new.shape))
            continue
        if new is None:
            out.append(WeightChange(key, "removed", old_hash=_digest(old), old_shape=old.shape))
            continue
        ha, hb = _digest(old), _digest(new)
        if ha == hb:
            continue
        if old.shape != new.shape:
            out.append(WeightChange(key, "reshaped", ha, hb, None, old.shape, new.shape))
            continue
        diff = np.abs(old.astype(np.float64) - new.astype(np.float64))
        worst = float(diff.max()) if diff.size else 0.0
        out.append(WeightChange(key, "changed", ha, hb, worst, old.shape, new.shape))
    return out


def diff_files(path_a: str, path_b: str) -> Diff:
    """The diff of two spec files. Raises DiffUsageError when they cannot be compared."""
    a, va = read_side(path_a)
    b, vb = read_side(path_b)
    if va != vb:
        raise DiffUsageError(
            f"{path_a} is format version {va!r} and {path_b} is {vb!r}: "
            "specs of different format versions cannot be compared"
        )
    return diff_sides(a, b)
