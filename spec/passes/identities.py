"""Remove ops that are identities at inference: dropout and its relatives (the op classes
that set ``inference_identity``).

Readers of a removed node read its input instead. A removed node that is a model output
keeps its name: the node before it takes that name (with its weights), so the model's
outputs are unchanged. Where that is impossible (the output is a model input, or a tensor
that is an output already), the identity stays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..graph import topological_nodes
from ._rewrite import Rewrite, Uses

if TYPE_CHECKING:
    from ..model import Model


def identities(model: Model) -> Model:
    uses = Uses(model)
    rewrite = Rewrite(model)
    # Topological order, so a chain of identities resolves to the first real tensor.
    for node in topological_nodes(model):
        if (
            type(node).inference_identity
            and node.inputs is not None
            and len(node.inputs) == 1
            and node.name not in uses.shared
        ):
            rewrite.bypass(node.id, node.inputs[0], uses)
    return rewrite.apply()
