"""nn.Embedding -> embedding. ``padding_idx`` only affects training (its row gets no
gradient); the lookup is the same, so it is accepted and not recorded."""

from __future__ import annotations

from nnspec.spec.ops.embedding import Embedding

from ...contexts import TorchNodeContext
from ..registry import from_module
from ._common import array


@from_module("Embedding")
def embedding(m, ctx: TorchNodeContext):
    x = ctx.plain(ctx.input())
    if m.max_norm is not None:
        raise ctx.refuse(
            f"max_norm={m.max_norm} is not supported (PyTorch renormalises the "
            "looked-up rows, and the weights, on every call)"
        )
    if x.dtype not in ("int32", "int64"):
        raise ctx.refuse(f"ids of dtype {x.dtype} are not supported; pass int64 ids")
    out = ctx.emit(
        Embedding,
        [x.ref],
        input_dim=m.num_embeddings,
        output_dim=m.embedding_dim,
        params={"embeddings": array(m.weight)},
    )
    return ctx.result(out, (*x.perm, x.rank), dtype="float32")
