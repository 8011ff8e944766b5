"""The part of code generation both backends share: the spec checked once, its weights, the
walk over the nodes in topological order, and how a node's call becomes one line.

A backend subclasses ``Generator``: its ``node`` reads the inputs (the PyTorch backend in
the layouts its layout plan chose), asks the node's converter for a description, declares
what the description needs, and hands the call to ``bind``, which writes
``targets = call  # node 'id'`` (or nothing, for an identity) exactly one way for both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nnspec.spec.graph import topological_nodes
from nnspec.spec.names import Namespace

from .codegen_common import checked_analysis, model_params

if TYPE_CHECKING:
    from nnspec.spec.model import Model
    from nnspec.spec.node import Node


def output_key(node: str, k: int) -> str:
    """The tensor reference of output ``k`` of ``node``: ``name``, ``name:1``, ..."""
    return node if k == 0 else f"{node}:{k}"


class Generator:
    """Shared state of one generated file: ``lines`` of the body (``forward``, or
    ``build_model``), ``locals`` for its names, ``node_ids`` for names that differ from
    their node's id."""

    def __init__(self, model: Model, reserved_locals: tuple[str, ...], seed: int | None = 0):
        self.model = model
        self.a = checked_analysis(model)
        self.params = model_params(model, self.a, seed)
        # `_`: outputs nobody reads
        self.locals = Namespace((*reserved_locals, "_"), identifiers=True)
        self.lines: list[str] = []
        self.node_ids: dict[str, str] = {}
        self.read_refs = {r for n in model.nodes for r in n.inputs or []} | set(model.outputs)

    def local(self, text: str, node: str) -> str:
        """A fresh local for a value of ``node``; recorded in ``node_ids`` if renamed."""
        name = self.locals.name(text)
        if name != text:
            self.node_ids[name] = node
        return name

    def walk(self) -> None:
        for node in topological_nodes(self.model):
            self.node(node)

    def node(self, node: Node) -> None:
        raise NotImplementedError

    def bind(self, node: Node, calls: tuple[str, ...], target: str | None = None) -> dict[str, str]:
        """Write ``targets = calls`` for ``node``: {tensor reference: local}. One call may
        give a tuple of every output; an output nobody reads is bound to ``_``. ``target``:
        the local of a one-output node on a chain (``x``), not named after the node; the
        line then says its node unless its call names it (``self.<node id>``)."""
        outs = self.a.outputs[node.id]
        keys = [output_key(node.id, k) for k in range(len(outs))]
        targets = [
            self.local(node.id if k == 0 else f"{node.id}_{k}", node.id)
            if k == 0 or key in self.read_refs
            else "_"
            for k, key in enumerate(keys)
        ]
        if target is not None:
            targets = [target]
        text = ", ".join(calls)
        named = targets[0] == node.name or (
            target is not None and any(f"self.{node.name}{c}" in text for c in "(.")
        )
        comment = f"  # node {node.name!r}" if not named else ""
        self.lines.append(f"{', '.join(targets)} = {text}{comment}")
        return {key: t for key, t in zip(keys, targets) if t != "_"}
