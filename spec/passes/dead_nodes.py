"""Remove nodes that no output depends on (their weights go with them).

Model inputs stay, even unused ones: they are the model's signature. A dead node whose
weights a live node shares stays too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..graph import ancestors_of, parse_ref, to_networkx
from ._rewrite import Rewrite

if TYPE_CHECKING:
    from ..model import Model


def dead_nodes(model: Model) -> Model:
    g = to_networkx(model)
    outputs = [p[0] for ref in model.outputs if (p := parse_ref(ref, g.nodes)) is not None]
    needed = ancestors_of(g, outputs)
    # A node whose weights a needed node uses (`shares`) stays, with what it reads.
    while lenders := {n.shares for n in model.nodes if n.name in needed and n.shares} - needed:
        needed |= ancestors_of(g, lenders)
    rewrite = Rewrite(model, removed={n.id for n in model.nodes if n.id not in needed})
    return rewrite.apply()
