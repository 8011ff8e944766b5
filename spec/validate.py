"""Validation over the networkx graph: structure, attributes, shapes and weights.

Every check appends :class:`Issue` records (never stops at the first problem unless the rest
would only cascade from it); callers get a :class:`Report` or a :class:`SpecError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import AttrError, Issue, Report, SpecError
from .graph import (
    SpecGraph,
    ancestors_of,
    parse_ref,
    resolve_ref,
    to_networkx,
    topological_order,
)
from .node import Node, Weight
from .types import TensorType

if TYPE_CHECKING:
    import numpy as np

    from .model import Model


@dataclass
class Analysis:
    """Types of every tensor (keyed by reference) and the weights each node declares."""

    types: dict[str, TensorType] = field(default_factory=dict)
    outputs: dict[str, tuple[TensorType, ...]] = field(default_factory=dict)
    weights: dict[str, dict[str, Weight]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def _issue(
    model: Model, message: str, *, index: int | None = None, attr: str | None = None, **kw: Any
) -> Issue:
    node = model.nodes[index] if index is not None else None
    path: tuple[object, ...] = ("nodes", index, attr) if index is not None else ()
    if attr is None and index is not None:
        path = ("nodes", index)
    line_col = model.mark(*path) if path else None
    return Issue(
        message,
        node=kw.pop("node_name", node.name if node is not None else None),
        op=node.op if node is not None else None,
        attr=attr,
        file=model.source_file,
        line=line_col[0] if line_col else None,
        column=line_col[1] if line_col else None,
        **kw,
    )


def _locate(model: Model, index: int, err: SpecError) -> list[Issue]:
    """Fill node, op, file and line into issues raised by an op's rule."""
    node = model.nodes[index]
    out = []
    for i in err.issues:
        line_col = model.mark("nodes", index, i.attr) if i.attr else model.mark("nodes", index)
        fields: dict[str, object] = dict(node=node.name, op=node.op, file=model.source_file)
        if line_col:
            fields.update(line=line_col[0], column=line_col[1])
        out.append(
            type(i)(**{**i.__dict__, **{k: v for k, v in fields.items() if getattr(i, k) is None}})
        )
    return out


def _check_structure(model: Model, report: list[Issue]) -> SpecGraph | None:
    """Names, references, cycles, outputs. Returns the graph, or None if shapes can't follow."""
    fatal = duplicates = False
    seen: dict[str, int] = {}
    for name in model.inputs:
        seen[name] = -1
    for i, node in enumerate(model.nodes):
        if node.id in seen:
            where = "a model input" if seen[node.id] < 0 else f"node #{seen[node.id]}"
            report.append(
                _issue(
                    model,
                    f"duplicate name {node.name!r} (also {where})",
                    index=i,
                    attr="name",
                    kind="GraphError",
                )
            )
            fatal = duplicates = True
        else:
            seen[node.id] = i
    for i, node in enumerate(model.nodes):
        arity = type(node).arity
        lo, hi = (arity, arity) if isinstance(arity, int) else arity
        n = len(node.inputs or ())
        if n < lo or (hi is not None and n > hi):
            want = str(lo) if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
            report.append(
                _issue(
                    model,
                    f"takes {want} input(s), got {n}",
                    index=i,
                    attr="inputs",
                    kind="GraphError",
                )
            )
            fatal = True
        for ref in node.inputs or ():
            if parse_ref(ref, seen) is None:
                near = [k for k in seen if k.lower() == ref.lower()]
                report.append(
                    _issue(
                        model,
                        f"unknown input {ref!r}",
                        index=i,
                        attr="inputs",
                        hint=f"did you mean {near[0]!r}?" if near else None,
                        kind="GraphError",
                    )
                )
                fatal = True
    names = set(seen)
    for k, ref in enumerate(model.outputs):
        if parse_ref(ref, names) is None:
            line_col = model.mark("outputs", k)
            report.append(
                Issue(
                    f"output {ref!r} is not a node or input",
                    attr="outputs",
                    file=model.source_file,
                    line=line_col and line_col[0],
                    column=line_col and line_col[1],
                    kind="GraphError",
                )
            )
            fatal = True
    if duplicates:  # the graph would merge same-named nodes: cycles found there are noise
        return None
    g = SpecGraph(model)
    try:
        # Spec order where it is one; the sort also proves the graph acyclic.
        order = topological_order(g)
    except Exception as e:  # networkx is imported (by the sort) only for out-of-order specs
        import networkx as nx

        if not isinstance(e, nx.NetworkXUnfeasible):
            raise
        cycle = nx.find_cycle(to_networkx(model))
        path = " -> ".join([repr(u) for u, _ in cycle] + [repr(cycle[0][0])])
        index = g.nodes[cycle[0][0]].get("index")
        report.append(
            _issue(model, f"cycle: {path}", index=index, attr="inputs", kind="GraphError")
        )
        return None
    if fatal:
        return None
    needed = ancestors_of(g, [resolve_ref(ref, names)[0] for ref in model.outputs])
    for i, node in enumerate(model.nodes):
        if node.name not in needed:
            report.append(
                _issue(
                    model,
                    "does not contribute to any output (dead node)",
                    index=i,
                    severity="warning",
                    kind="GraphError",
                )
            )
    g.graph["order"] = order
    return g


def _infer_node(node: Node, xs: list[TensorType]) -> tuple[TensorType, ...]:
    out = node.infer(*xs)
    return out if isinstance(out, tuple) else (out,)


def analyse(model: Model, *, check_weights: bool = True) -> Analysis:
    a = Analysis()
    g = _check_structure(model, a.issues)
    if g is None:
        return a
    for name, spec in model.inputs.items():
        a.types[name] = TensorType(tuple(spec.shape), spec.dtype)
    failed: set[str] = set()
    for v in g.graph["order"]:
        data = g.nodes[v]
        if data["kind"] != "node":
            continue
        i, node = data["index"], data["node"]
        refs = node.inputs or []
        if any(resolve_ref(r, g.nodes)[0] in failed for r in refs):
            failed.add(node.name)
            continue
        try:
            xs = [a.types[r] if r in a.types else _missing_output(a, r, g) for r in refs]
            outs = _infer_node(node, xs)
            a.weights[node.name] = _own_weights(model, node, node.weights(*xs), a)
        except SpecError as e:
            a.issues.extend(_locate(model, i, e))
            failed.add(node.name)
            continue
        except _BadOutputIndex as e:
            a.issues.append(_issue(model, str(e), index=i, attr="inputs", kind="GraphError"))
            failed.add(node.name)
            continue
        a.outputs[node.name] = outs
        for k, t in enumerate(outs):
            a.types[node.name if k == 0 else f"{node.name}:{k}"] = t
    for ref in model.outputs:
        if ref not in a.types and resolve_ref(ref, g.nodes)[0] not in failed:
            a.issues.append(
                Issue(
                    f"output {ref!r} does not exist",
                    attr="outputs",
                    file=model.source_file,
                    kind="GraphError",
                )
            )
    _check_implicit_masks(model, a)
    if model.training is not None and not failed and not a.issues:
        _check_training(model, a)
    if check_weights and model.params:
        _check_weights(model, a)
    # Node order, so a reader meets problems top to bottom.
    rank = {n.name: i for i, n in enumerate(model.nodes)}
    a.issues.sort(key=lambda i: (i.node is not None, rank.get(i.node, -1)))
    return a


def _own_weights(
    model: Model, node: Node, declared: dict[str, Weight], a: Analysis
) -> dict[str, Weight]:
    """A node sharing another's weights owns none; check the shared ones fit it."""
    if node.shares is None:
        return declared
    try:
        target = model.node(node.shares)
    except KeyError:
        raise AttrError(
            "shares", f"shares the weights of {node.shares!r}, which is not a node"
        ) from None
    if target.op != node.op or target.attrs() != node.attrs():
        raise AttrError(
            "shares", f"shares the weights of {node.shares!r}, but its op or attributes differ"
        )
    theirs = a.weights.get(target.id)
    if theirs is None or target.shares is not None:
        raise AttrError("shares", f"{node.shares!r} must come earlier and own its weights")
    for key, w in declared.items():
        if key not in theirs or theirs[key].shape != w.shape:
            raise AttrError(
                "shares",
                f"weight {key!r} would need shape {w.shape} here, "
                f"but {node.shares!r} has {theirs.get(key, w).shape}",
            )
    return {}


class _BadOutputIndex(Exception):
    pass


def _missing_output(a: Analysis, ref: str, g: SpecGraph) -> TensorType:
    """Raised for `node:k` when the node has no output k (the only way a ref is unresolved)."""
    name, k = resolve_ref(ref, g.nodes)
    outs = a.outputs.get(name, ())
    raise _BadOutputIndex(
        f"input {ref!r}: node {name!r} has {len(outs)} output(s), so index {k} does not exist"
    )


def non_finite(arr: np.ndarray) -> str | None:
    """``"2 NaN and 1 infinite values"`` for a float array holding any, else None."""
    import numpy as np

    # A NaN or infinity makes the sum NaN or infinite, so a finite sum clears the array in
    # one pass with no temporary (np.isfinite(arr) is a bool array a quarter its size); a
    # sum that overflowed or found one is checked element by element.
    if arr.dtype.kind != "f" or arr.size == 0:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(arr.sum()):
            return None
    nan = int(np.isnan(arr).sum())
    inf = int(np.isinf(arr).sum())
    if not nan and not inf:  # the sum overflowed
        return None
    return " and ".join(
        f"{n} {what} value{'s' if n != 1 else ''}"
        for n, what in ((nan, "NaN"), (inf, "infinite"))
        if n
    )


def _check_weights(model: Model, a: Analysis) -> None:
    a.issues.extend(model.load_notes)
    index = {n.name: i for i, n in enumerate(model.nodes)}
    declared = {f"{n}/{p}": (n, w) for n, ws in a.weights.items() for p, w in ws.items()}
    for key, (node, w) in declared.items():
        param = key.split("/", 1)[1]
        if key not in model.params:
            a.issues.append(
                _issue(
                    model,
                    f"weight {param!r} is missing from the weights",
                    index=index[node],
                    kind="WeightsError",
                )
            )
            continue
        arr = model.params[key]
        if tuple(arr.shape) != tuple(w.shape):
            a.issues.append(
                _issue(
                    model,
                    f"weight {param!r} has shape {tuple(arr.shape)}, the spec implies "
                    f"{tuple(w.shape)} {w.doc}".rstrip(),
                    index=index[node],
                    kind="WeightsError",
                )
            )
        elif str(arr.dtype) != w.dtype:
            a.issues.append(
                _issue(
                    model,
                    f"weight {param!r} has dtype {arr.dtype}, expected {w.dtype}",
                    index=index[node],
                    kind="WeightsError",
                )
            )
        elif (bad := non_finite(arr)) is not None:
            a.issues.append(
                _issue(
                    model,
                    f"weight {param!r} holds {bad}: every output it reaches will too",
                    index=index[node],
                    severity="warning",
                    kind="WeightsError",
                )
            )
    for key in model.params:
        if key not in declared:
            node = key.split("/", 1)[0]
            if node in a.outputs:
                a.issues.append(
                    _issue(
                        model,
                        f"unexpected weight {key!r} (the node declares no such weight)",
                        index=index[node],
                        kind="WeightsError",
                    )
                )
            elif node not in index:
                a.issues.append(
                    Issue(
                        f"unexpected weight {key!r} (no node {node!r})",
                        file=model.source_file,
                        kind="WeightsError",
                    )
                )


def _check_implicit_masks(model: Model, a: Analysis) -> None:
    """Keras hands an embedding's ``mask_zero`` mask to the next layer on its own; the spec
    states masks explicitly, so a consumer able to use one must say where it comes from."""
    # Field values read from __dict__: getattr of a field an op lacks goes through pydantic's
    # __getattr__ and an exception, twice per node (a tenth of `nnspec diff` of big specs).
    masked = {n.name for n in model.nodes if n.__dict__.get("mask_zero", False)}
    for i, node in enumerate(model.nodes):
        if "mask_value" not in node.__dict__ or node.__dict__["mask_value"] is not None:
            continue
        for ref in (node.inputs or [])[:1]:
            if ref in masked:
                a.issues.append(
                    _issue(
                        model,
                        f"reads {ref!r}, whose mask_zero makes Keras mask this node, but it "
                        "takes no mask",
                        index=i,
                        attr="mask_value",
                        kind="ShapeError",
                        hint=f"add the ids feeding {ref!r} as its second input with mask_value: 0, "
                        f"or set mask_zero: false on {ref!r}",
                    )
                )


def _check_training(model: Model, a: Analysis) -> None:
    from .training import training_problems

    decls = {n.id: a.weights.get(n.id, {}) for n in model.nodes}
    for text in training_problems(model, decls):
        a.issues.append(
            Issue(text, attr="training", file=model.source_file, line=_line(model, "training"))
        )


def _line(model: Model, *path: object) -> int | None:
    mark = model.mark(*path)
    return mark[0] if mark else None


def validate(model: Model, *, check_weights: bool = True) -> Report:
    return Report(analyse(model, check_weights=check_weights).issues)
