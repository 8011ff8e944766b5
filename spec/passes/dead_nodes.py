"""Remove nodes that no output depends on (their weights go with them).

Model inputs stay, even unused ones: they are the model's signature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

from ..graph import parse_ref, to_networkx
from ._rewrite import Rewrite

if TYPE_CHECKING:
    from ..model import Model


def dead_nodes(model: Model) -> Model:
    g = to_networkx(model)
    needed: set[str] = set()
    for ref in model.outputs:
        parsed = parse_ref(ref, g.nodes)
        if parsed is not None:
            needed |= nx.ancestors(g, parsed[0]) | {parsed[0]}
    rewrite = Rewrite(model, removed={n.name for n in model.nodes if n.name not in needed})
    return rewrite.apply()
