"""Shared machinery for passes: who reads a tensor, and rebuilding a Model after an edit.

A pass decides on the *input* model (its networkx graph never changes under it) and records
its decisions in a :class:`Rewrite`; :meth:`Rewrite.apply` then builds a new Model in one
sweep over the nodes, so a pass stays linear in the node count and never mutates its input.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..graph import format_ref, parse_ref, to_networkx
from ..node import Node

if TYPE_CHECKING:
    import networkx as nx
    import numpy as np

    from ..model import Model


class Uses:
    """How often each tensor is read, by node inputs and by the model's outputs.

    networkx gives a node's consumers; a DiGraph holds one edge per pair, so the count of
    reads (``add(x, x)`` reads ``x`` twice) comes from the consumers' input lists.
    """

    def __init__(self, model: Model):
        self.graph: nx.DiGraph[str] = to_networkx(model)
        names = self.graph.nodes
        # Names of the nodes and inputs the model returns (``lstm:1`` counts as ``lstm``).
        self.outputs = {p[0] for o in model.outputs if (p := parse_ref(o, names)) is not None}
        # Nodes whose weights other nodes use (``shares``).
        self.shared = {n.shares for n in model.nodes if n.shares is not None}
        self._reads: dict[str, Counter[str]] = {}

    def shares_weights(self, node: Node) -> bool:
        """Whether ``node`` uses another's weights or lends its own: rewriting it alone
        would break the other node (same op and attributes are required)."""
        return node.shares is not None or node.name in self.shared

    def consumers(self, name: str) -> list[Node]:
        return [self.graph.nodes[v]["node"] for v in self.graph.successors(name)]

    def reads(self, name: str) -> Counter[str]:
        """Reference (``x``, ``x:1``) -> how many node inputs read it."""
        if name not in self._reads:
            names = self.graph.nodes
            self._reads[name] = Counter(
                ref
                for node in self.consumers(name)
                for ref in node.inputs or ()
                if (parsed := parse_ref(ref, names)) is not None and parsed[0] == name
            )
        return self._reads[name]

    def only_reader(self, name: str) -> Node | None:
        """The one node that reads ``name`` exactly once, if nothing else uses it at all."""
        if name in self.outputs:
            return None
        reads = self.reads(name)
        if list(reads.values()) != [1] or next(iter(reads)) != name:
            return None
        (reader,) = self.consumers(name)
        return reader

    def is_node(self, ref: str) -> bool:
        return self.graph.nodes.get(ref, {}).get("kind") == "node"


@dataclass
class Rewrite:
    """Decisions of a pass, applied together by :meth:`apply`."""

    model: Model
    removed: set[str] = field(default_factory=set)
    # A removed node -> the reference that replaces it wherever it was read.
    redirects: dict[str, str] = field(default_factory=dict)
    # Kept node -> new name (its weights move with it).
    renames: dict[str, str] = field(default_factory=dict)
    # Kept node -> its edited copy.
    replaced: dict[str, Node] = field(default_factory=dict)
    # Kept node -> new weights for it (param name -> array), replacing all of its old ones.
    new_params: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def resolve(self, ref: str) -> str:
        """Follow redirects (chains of removed nodes) to a reference that survives."""
        while ref in self.redirects:
            ref = self.redirects[ref]
        return ref

    def bypass(self, name: str, source: str, uses: Uses) -> bool:
        """Remove node ``name``, whose output equals tensor ``source``.

        Readers of ``name`` read ``source`` instead. When ``name`` is a model output, the
        output keeps its name: the producer of ``source`` is renamed to ``name``, which is
        only possible when ``source`` is the main output of a node that is not an output
        itself and not renamed already. Returns False (nothing done) otherwise.
        """
        source = self.resolve(source)
        if name in uses.outputs:
            if not self._can_take_name(source, uses):
                return False
            self.renames[source] = name
        self.removed.add(name)
        self.redirects[name] = source
        return True

    def _can_take_name(self, source: str, uses: Uses) -> bool:
        return (
            uses.is_node(source)
            and source not in uses.outputs
            and source not in self.renames
            and source not in self.removed
        )

    def apply(self) -> Model:
        model = self.model
        names = {n.id for n in model.nodes} | set(model.inputs)
        nodes = []
        for node in model.nodes:
            if node.id in self.removed:
                continue
            new = self.replaced.get(node.id, node).model_copy(deep=True)
            new.inputs = [self._final(ref, names) for ref in node.inputs or ()]
            new.name = self.renames.get(node.id, node.id)
            if node.shares is not None:
                new.shares = self.renames.get(node.shares, node.shares)
            nodes.append(new)
        outputs = [self._output(ref, names) for ref in model.outputs]
        return rebuild(model, nodes, outputs, self._params())

    def _final(self, ref: str, names: Container[str]) -> str:
        ref = self.resolve(ref)
        parsed = parse_ref(ref, names)
        if parsed is None or parsed[0] not in self.renames:
            return ref
        return format_ref(self.renames[parsed[0]], parsed[1])

    def _output(self, ref: str, names: Container[str]) -> str:
        # A bypassed output lives on under its own name (see `bypass`).
        parsed = parse_ref(ref, names)
        return ref if parsed and parsed[0] in self.removed else self._final(ref, names)

    def _params(self) -> dict[str, np.ndarray]:
        params = {}
        for key, value in self.model.params.items():
            node, param = key.split("/", 1)
            if node in self.removed or node in self.new_params:
                continue
            params[f"{self.renames.get(node, node)}/{param}"] = value
        for node, arrays in self.new_params.items():
            for param, value in arrays.items():
                params[f"{self.renames.get(node, node)}/{param}"] = value
        return params


def rebuild(
    model: Model, nodes: list[Node], outputs: list[str], params: dict[str, np.ndarray]
) -> Model:
    """A new Model with the same header and inputs. YAML line marks are dropped: they
    describe the file the input came from, not the rewritten graph."""
    from ..model import Model

    new = Model(
        nnspec=model.nnspec,
        name=model.name,
        metadata=dict(model.metadata),
        inputs={k: v.model_copy(deep=True) for k, v in model.inputs.items()},
        nodes=nodes,
        outputs=outputs,
        weights=model.weights,
    )
    new.params = params
    return new
