"""Broadcasting tensors of different ranks computed from the inputs (``output + h_n[-1]``
with a time-major ``output``, ``x (N, T, C) * w (C,)`` where ``w`` comes from the input).

PyTorch aligns shapes on the right. Both operands hold the batch; that works only when the
batch dims line up, and then the smaller one gets size-1 dims in front (a reshape that
inserts size-1 spec axes after its batch axis), after which both have one rank.

Imports no torch.
"""

from __future__ import annotations

from nnspec.spec.ops.reshape import Reshape

from .values import Tensor


def ranks_aligned(ctx, xs: list[Tensor]) -> list[Tensor]:
    """``xs`` with the lower-rank tensors given leading size-1 dims, as PyTorch broadcasts
    them; a refusal naming the shapes when their batch dims do not line up."""
    rank = max(x.rank for x in xs)
    if all(x.rank == rank for x in xs):
        return xs
    batch_dims = {x.perm[0] + rank - x.rank for x in xs}
    if len(batch_dims) > 1 or any(x.flat is not None for x in xs):
        raise ctx.refuse(
            "broadcasts tensors of different ranks ("
            + ", ".join(str(x.shape) for x in xs)
            + ") whose batch dims do not line up when aligned on the right, as PyTorch "
            "aligns them; the spec keeps the batch on one axis",
            hint="unsqueeze the smaller one where its batch should go",
        )
    out = []
    for x in xs:
        k = rank - x.rank
        if k == 0:
            out.append(x)
            continue
        perm = (x.perm[0] + k, *range(k), *(p + k for p in x.perm[1:]))
        spec_shape = [1] * k + list(x.spec_shape[1:])
        ref = ctx.emit(Reshape, [x.ref], suffix="broadcast_rank", target_shape=spec_shape)
        t = Tensor(ref, (1,) * k + x.shape, x.dtype, perm, x.nonneg)
        ctx.expect(t)
        out.append(t)
    return out
