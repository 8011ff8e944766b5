"""The edges of a traced module that do not hold the batch on dim 0: time-major sequences
(``batch_first=False``, the word-language-model idiom), recurrent states passed to
``forward`` (``model(x, (h0, c0))``) and returned from it, and ``decoded.view(-1, ntoken)``,
which merges the time steps with the batch.

The spec keeps the batch on axis 0, so such an input or output is the PyTorch tensor with its
batch dim moved first: a (T, N) input is a (batch, T) spec input, an (L, N, H) state a
(batch, L, H) one, a (T * N, V) output of a view a (batch, T, V) spec output. Every such
edge is recorded in the spec's metadata (``torch_layout``: name -> the PyTorch dims held by
the spec's axes, and the view that followed), so the change of signature is never silent.

Imports no torch.
"""

from __future__ import annotations

from typing import Any

from nnspec.spec.errors import ConversionError
from nnspec.spec.ops.indexing import Slice
from nnspec.spec.ops.reshape import Reshape
from nnspec.spec.ops.shape_ops import Stack as StackOp

from .values import Stack, Tensor, identity


def flatten_examples(examples: list) -> list:
    """The tensors of ``examples`` (a tuple argument counts one per element), in order."""
    out = []
    for x in examples:
        out.extend(x if isinstance(x, (tuple, list)) else [x])
    return out


def batch_dims(batch_dim: Any, examples: list) -> list[int]:
    """One batch dim per top-level example (an int for every input, or one per input)."""
    if isinstance(batch_dim, int) and not isinstance(batch_dim, bool):
        return [batch_dim] * len(examples)
    ints = isinstance(batch_dim, (tuple, list)) and all(
        isinstance(b, int) and not isinstance(b, bool) for b in batch_dim
    )
    if ints and len(batch_dim) == len(examples):
        return list(batch_dim)
    raise ConversionError(
        f"batch_dim must be an int or one int per forward argument ({len(examples)}), "
        f"got {batch_dim!r}",
        attr="batch_dim",
    )


def batch_perm(name: str, rank: int, batch: int) -> tuple[int, ...]:
    """The layout of an input whose batch is PyTorch dim ``batch``: that dim first, the
    others in order."""
    if not -rank <= batch < rank:
        raise ConversionError(
            f"input {name!r} has rank {rank}; batch_dim {batch} is not one of its dims",
            attr="batch_dim",
        )
    b = batch % rank
    return (b, *(d for d in range(rank) if d != b))


def layout_note(shape: tuple[int, ...], perm: tuple[int, ...]) -> dict:
    """Metadata for an edge: the PyTorch shape and which of its dims each spec axis holds."""
    return {"torch_shape": list(shape), "spec_axes_are_torch_dims": list(perm)}


# --- recurrent states -------------------------------------------------------------------------


def state_stack(ctx, t: Tensor) -> Stack:
    """An (entries, N, H) state tensor with its batch on dim 1 (an ``h0`` passed to
    ``forward``) as one batch-major (N, H) spec tensor per layer and direction."""
    if t.rank != 3 or t.perm[0] != 1 or t.flat is not None:
        raise ctx.refuse(
            f"an initial state of shape {t.shape} is not (layers * directions, N, hidden) "
            "with the batch on dim 1",
            hint="pass h0 from init_hidden (batch_dim=1 for it), or the h_n of another layer",
        )
    axis = t.spec_axis(0)
    items = []
    for i in range(t.shape[0]):
        sliced = ctx.emit(
            Slice, [t.ref], suffix=f"state{i}", axes=[axis], starts=[i], stops=[i + 1]
        )
        ref = ctx.emit(Reshape, [sliced], suffix=f"state{i}_squeeze", target_shape=[t.shape[2]])
        item = Tensor(ref, t.shape[1:], t.dtype, identity(2))
        ctx.expect(item)
        items.append(item)
    return Stack(f"initial state of {ctx.what}", items, t.shape)


def stack_output(imp, s: Stack, what: str) -> tuple[str, tuple[int, ...]]:
    """A returned ``h_n`` (entries, N, H): its entries stacked on spec axis 1, (N, entries,
    H). Returns the ref and the layout of the PyTorch tensor it holds."""
    missing = [k for k, item in enumerate(s.items) if item is None]
    if missing:
        raise ConversionError(
            f"{what} is {s.what}, whose entries {missing} the spec does not compute"
        )
    refs = [item.ref for item in s.items]
    ref = imp.emit(StackOp, "hidden_out", refs, attrs={"axis": 1}, what=what)
    return ref, (1, 0, 2)


# --- a view that merges the batch with the dims before it -------------------------------------


def merges_batch(x: Tensor, shape: tuple[int, ...]) -> int | None:
    """For ``x.view(shape)`` with the batch on dim b > 0 of ``x``: k when the view merges
    dims 0..k-1 (the batch among them) into dim 0 and keeps the rest, else None."""
    b = x.perm[0]
    if b == 0 or not shape or x.flat is not None:
        return None
    for k in range(b + 1, x.rank + 1):
        size = 1
        for n in x.shape[:k]:
            size *= n
        if (size, *x.shape[k:]) == tuple(shape):
            return k
    return None


def merged_view(ctx, x: Tensor, shape: tuple[int, ...], k: int) -> Tensor:
    """``x.view(shape)`` as the un-merged spec tensor: the batch first, then the other merged
    dims, then the kept ones, in order. The Tensor remembers it (``merged``); only ops over
    the kept trailing dims and the model's outputs accept it."""
    b = x.perm[0]
    perm = (b, *(d for d in range(k) if d != b), *range(k, x.rank))
    ref = ctx.as_perm(x, perm)
    t = Tensor(ref, tuple(shape), x.dtype, identity(len(shape)), x.nonneg, merged=(x.shape, perm))
    return t


def check_no_merged(describe: str, values) -> None:
    """Refuse a merged view reaching an op that would read its dims as PyTorch's."""
    for v in values:
        if isinstance(v, Tensor) and v.merged is not None:
            raise ConversionError(
                f"{describe}: its input is a view of shape {v.shape} that merges the batch "
                f"with other dims of a tensor of shape {v.merged[0]}; the spec keeps the "
                "batch on its own axis, and only softmax/log_softmax over the last dim and "
                "returning it are converted",
                hint="apply this op before the view, or return the view",
            )
