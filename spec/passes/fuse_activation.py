"""Fold a standalone ``activation`` node into the dense/conv node before it, and back.

``fuse_activation``: ``conv -> activation(relu)`` becomes ``conv(activation=relu)`` when the
conv's activation is linear and the activation node is the conv's only reader (dense/conv:
the op classes that set ``fuses_activation``). ``relu``, ``elu`` and ``softmax`` nodes fuse too when their settings equal the named activation's. The fused
node keeps the conv's name and weights; readers of the activation node read it instead
(when the activation node was a model output, the fused node takes its name).

``split_activation`` is the reverse: every dense/conv with a non-linear activation becomes
a linear node plus an ``activation`` node named ``<node>_<activation>``. When the node was
a model output, the activation node keeps the output's name and the linear node is renamed
``<node>_linear``, so the model's outputs are unchanged either way.

Nodes that share weights (``shares``) must keep equal attributes, so fusion leaves them
alone; splitting treats every one of them alike, so they stay equal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..names import Namespace
from ..ops import catalog
from ._rewrite import Rewrite, Uses, rebuild

if TYPE_CHECKING:
    from ..model import Model
    from ..node import Node

ACTIVATION_OP = "activation"


def _fusable(node: Node) -> bool:
    return type(node).fuses_activation and getattr(node, "activation", None) == "linear"


# Activation layers with parameters, and the settings under which a named activation says
# the same (Keras' LeakyReLU layer defaults to 0.3 but the named leaky_relu is 0.2: not fused).
_SAME_AS_NAMED = {
    "relu": ({"max_value": None, "negative_slope": 0.0, "threshold": 0.0}, "relu"),
    "elu": ({"alpha": 1.0}, "elu"),
    "softmax": ({"axis": -1}, "softmax"),
}


def _activation_name(node: Node) -> str | None:
    """The named activation a standalone activation node computes, if it is one."""
    if len(node.inputs or ()) != 1:
        return None
    if node.op == ACTIVATION_OP:
        return _activation(node)
    settings, name = _SAME_AS_NAMED.get(node.op, (None, None))
    if settings is not None and node.attrs() == settings:
        return name
    return None


def _activation(node: Node) -> str:
    """The ``activation`` of a node whose op has one (checked by the caller)."""
    return str(getattr(node, "activation", "linear"))


def _set_activation(node: Node, name: str) -> None:
    # Only ops with an `activation` field get here; pydantic validates the assignment.
    setattr(node, "activation", name)  # noqa: B010


def fuse_activation(model: Model) -> Model:
    uses = Uses(model)
    rewrite = Rewrite(model)
    for node in model.nodes:
        name = _activation_name(node)
        if name is None:
            continue
        (source,) = node.inputs or []
        if not uses.is_node(source) or uses.only_reader(source) is not node:
            continue
        producer = uses.graph.nodes[source]["node"]
        if not _fusable(producer) or uses.shares_weights(producer) or node.name in uses.shared:
            continue
        if not rewrite.bypass(node.id, source, uses):
            continue
        fused = producer.model_copy(deep=True)
        _set_activation(fused, name)
        rewrite.replaced[source] = fused
    return rewrite.apply()


def split_activation(model: Model) -> Model:
    activation_cls = catalog()[ACTIVATION_OP]
    names = Namespace([*(n.id for n in model.nodes), *model.inputs])
    outputs = set(model.outputs)
    readers_move: dict[str, str] = {}  # split node -> its activation node (not an output)
    params_move: dict[str, str] = {}  # split output node -> new name of its linear part
    nodes: list[Node] = []
    added: set[int] = set()  # id() of the new activation nodes
    for node in model.nodes:
        linear = node.model_copy(deep=True)
        nodes.append(linear)
        if not type(node).fuses_activation or getattr(node, "activation", "linear") == "linear":
            continue
        _set_activation(linear, "linear")
        activation = _activation(node)
        if node.id in outputs:
            # The activation keeps the output's name; the linear part moves aside.
            linear.name = params_move[node.id] = names.name(f"{node.id}_linear")
            act_name = node.id
        else:
            act_name = readers_move[node.id] = names.name(f"{node.id}_{activation}")
        act = activation_cls.model_validate(
            {"name": act_name, "inputs": [linear.id], "activation": activation}
        )
        nodes.append(act)
        added.add(id(act))
    # Readers of a split node read its activation (a second sweep: spec order need not be
    # topological); nodes sharing a renamed node's weights follow it.
    for node in nodes:
        if id(node) not in added:
            node.inputs = [readers_move.get(ref, ref) for ref in node.inputs or ()]
        if node.shares is not None:
            node.shares = params_move.get(node.shares, node.shares)
    params = {}
    for key, value in model.params.items():
        owner, param = key.split("/", 1)
        params[f"{params_move.get(owner, owner)}/{param}"] = value
    return rebuild(model, nodes, list(model.outputs), params)
