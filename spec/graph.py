"""The spec as a networkx DiGraph: model inputs and nodes are vertices, tensors are edges.

networkx is imported only where a pass or a frontend needs its algorithms: validation walks
a :class:`SpecGraph`, the few DiGraph features it reads, because importing networkx costs
more CPU than validating a 1,000-node spec (a pre-commit hook pays it on every commit).
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

    from .model import Model
    from .node import Node

_INDEXED = re.compile(r"^(.*):(\d+)$")


def parse_ref(ref: str, names: Container[str]) -> tuple[str, int] | None:
    """``conv1`` -> ("conv1", 0); ``lstm:2`` -> ("lstm", 2); None when nothing matches."""
    if ref in names:
        return ref, 0
    m = _INDEXED.match(ref)
    if m and m.group(1) in names:
        return m.group(1), int(m.group(2))
    return None


def resolve_ref(ref: str, names: Container[str]) -> tuple[str, int]:
    """:func:`parse_ref` of a reference validation has already resolved."""
    parsed = parse_ref(ref, names)
    if parsed is None:
        raise KeyError(f"reference {ref!r} names no vertex (the spec was not validated)")
    return parsed


def format_ref(name: str, index: int) -> str:
    return name if index == 0 else f"{name}:{index}"


def to_networkx(model: Model) -> nx.DiGraph[str]:
    """Vertices carry ``kind`` ("input" or "node") and ``index``/``node``; edges carry
    ``port`` (input position of the consumer) and ``out`` (output index of the producer).
    Unknown references are left out (validation reports them)."""
    import networkx as nx

    g: nx.DiGraph[str] = nx.DiGraph()
    # The bulk adds are several times faster than one call per vertex or edge.
    g.add_nodes_from(model.inputs, kind="input")
    g.add_nodes_from(
        (node.id, {"kind": "node", "index": i, "node": node}) for i, node in enumerate(model.nodes)
    )
    names = g.nodes
    g.add_edges_from(
        (parsed[0], node.id, {"port": port, "out": parsed[1]})
        for node in model.nodes
        for port, ref in enumerate(node.inputs or ())
        if (parsed := parse_ref(ref, names)) is not None
    )
    return g


class SpecGraph:
    """What validation reads of :func:`to_networkx`'s DiGraph, built without networkx:
    ``nodes`` (vertex -> attributes, in insertion order), ``graph``, ``edges`` and
    ``predecessors``. :func:`to_networkx` gives the real one."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.graph: dict[str, Any] = {}
        self.nodes: dict[str, dict[str, Any]] = {name: {"kind": "input"} for name in model.inputs}
        self._pred: dict[str, dict[str, None]] = {}
        for i, node in enumerate(model.nodes):
            self.nodes[node.id] = {"kind": "node", "index": i, "node": node}
        for node in model.nodes:
            pred = self._pred.setdefault(node.id, {})
            for ref in node.inputs or ():
                if (parsed := parse_ref(ref, self.nodes)) is not None:
                    pred[parsed[0]] = None

    def __iter__(self) -> Iterator[str]:
        return iter(self.nodes)

    @property
    def edges(self) -> list[tuple[str, str]]:
        return [(u, v) for v, pred in self._pred.items() for u in pred]

    def predecessors(self, v: str) -> Iterator[str]:
        return iter(self._pred.get(v, ()))


def topological_order(g: nx.DiGraph[str] | SpecGraph) -> list[str]:
    """Vertices with each node after its inputs: spec order when it is one, else the
    topological order nearest to it. Raises ``nx.NetworkXUnfeasible`` on a cycle.

    Spec order (model inputs, then nodes, as :func:`to_networkx` adds them) is checked with
    one sweep over the edges; only a spec that reads later nodes pays for the sort.
    """
    order = list(g)
    position = {v: k for k, v in enumerate(order)}
    if all(position[u] < position[v] for u, v in g.edges):
        return order
    import networkx as nx

    if isinstance(g, SpecGraph):
        g = to_networkx(g.model)
    return list(nx.lexicographical_topological_sort(g, key=lambda v: g.nodes[v].get("index", -1)))


def topological_nodes(model: Model) -> list[Node]:
    """Nodes in an order where every node comes after its inputs (spec order when it is one)."""
    g = to_networkx(model)
    return [g.nodes[v]["node"] for v in topological_order(g) if g.nodes[v]["kind"] == "node"]


def ancestors_of(g: nx.DiGraph[str] | SpecGraph, names: Iterable[str]) -> set[str]:
    """``names`` and every vertex they depend on: one walk for all of them (calling
    ``nx.ancestors`` per output would cost outputs x nodes)."""
    seen = set(names)
    stack = list(seen)
    while stack:
        for u in g.predecessors(stack.pop()):
            if u not in seen:
                seen.add(u)
                stack.append(u)
    return seen
