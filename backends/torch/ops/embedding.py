"""Embedding lookup: nn.Embedding. ``mask_zero`` only matters to the layers reading the mask;
the looked-up values are the same."""

from nnspec.spec.ops.embedding import Embedding

from ...contexts import TorchContext
from ..describe import Module, Op
from ..registry import converter


@converter(Embedding)
def embedding(node: Embedding, ctx: TorchContext) -> Op:
    layer = ctx.attr()
    weights = {"weight": ctx.params["embeddings"]}
    module = Module("nn.Embedding", (node.input_dim, node.output_dim), weights=weights)
    ids = ctx.x
    if ctx.in_types[0].dtype not in ("int32", "int64"):
        ids = f"{ids}.int()"  # Keras truncates other dtypes to int32
    return Op(f"{layer}({ids})", modules={layer: module})
