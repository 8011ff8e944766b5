"""Tensors a ``forward`` makes from shapes alone: ``nn.Transformer.generate_square_subsequent_mask
(x.size(0))``, ``torch.zeros(x.size(0), hidden)``, ``torch.arange(T).expand(B, T)``.

Their values are recorded in the example run. The spec fixes every dim but the batch, so a
tensor whose shape computation never reads a batch dim is a constant; one that reads it is
the example's value broadcast along the batch, when that value repeats along the batch (zeros,
a mask, positions), and is refused otherwise (``torch.arange(B)``). Random tensors
(``torch.randn(B, 4)``) are never values: they are left to the converters, which refuse them.

Imports no torch at module level.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import numpy as np

from .values import Const, Stack, Tensor

if TYPE_CHECKING:
    from torch import fx

# methods whose result is a shape (or part of one), and the dims of the tensor they read
_SHAPE_METHODS = {"size", "dim", "numel", "ndimension", "nelement"}
# functions of shape values that give shape values
_ARITHMETIC = {
    operator.getitem,
    operator.add,
    operator.sub,
    operator.mul,
    operator.floordiv,
    operator.truediv,
    operator.mod,
    operator.neg,
    operator.pow,
}
# methods making a tensor of a given size from x's dtype alone
_NEW = {"new_zeros", "new_ones", "new_full", "new_tensor"}
# tensor-making functions that are not functions of their shape arguments
RANDOM = {
    "rand",
    "randn",
    "randint",
    "rand_like",
    "randn_like",
    "randint_like",
    "randperm",
    "normal",
    "bernoulli",
    "multinomial",
    "poisson",
    "empty",
    "empty_like",
    "new_empty",
    "uniform_",
    "normal_",
    "exponential_",
    "dropout",
}


def _name(n: fx.Node) -> str:
    if n.op == "call_method":
        return str(n.target)
    return getattr(n.target, "__name__", "")


def _is_shape_read(n: fx.Node) -> bool:
    if n.op == "call_method" and n.target in _SHAPE_METHODS:
        return True
    if n.op == "call_function" and n.target is getattr and n.args[1:] in (("shape",), ("ndim",)):
        return True
    return n.op == "call_function" and n.target is len


def shape_nodes(gm: fx.GraphModule, constants: set) -> set:
    """Graph nodes computed from shapes, Python numbers and ``constants`` only (the shape
    reads themselves included); tensors among them are recorded in the example run."""
    found: set = set()
    for n in gm.graph.nodes:
        if n.op not in ("call_function", "call_method") or n in constants:
            continue
        if _name(n) in RANDOM:
            continue
        if _is_shape_read(n):
            found.add(n)
            continue
        ins = n.all_input_nodes
        if n.op == "call_method" and n.target in _NEW:
            ins = ins[1:]  # x.new_zeros(B, H) reads x's dtype only
            if not ins or all(i in found or i in constants for i in ins):
                found.add(n)
        elif any(i in found for i in ins) and all(i in found or i in constants for i in ins):
            found.add(n)  # (a buffer sliced by a shape, self.mask[:T, :T], is the slice)
    return found


def _whole_shape(m: fx.Node) -> bool:
    """``x.shape`` or ``x.size()``: every dim of ``x``."""
    if m.op == "call_method" and m.target == "size" and len(m.args) == 1 and not m.kwargs:
        return True
    return m.op == "call_function" and m.target is getattr and m.args[1] == "shape"


def reads(n: fx.Node, found: set) -> set[tuple[fx.Node, int | None]]:
    """(tensor node, dim) pairs whose size ``n`` depends on; dim None: every dim. A dim
    picked from a whole shape (``B, T, C = x.shape``) is read alone."""
    out: set = set()
    seen: set = set()
    todo = [n]
    while todo:
        m = todo.pop()
        for i in m.all_input_nodes:
            if i not in found or i in seen:
                continue
            seen.add(i)
            picked = i.op == "call_function" and i.target is operator.getitem
            if picked and _whole_shape(i.args[0]) and isinstance(i.args[1], int):
                out.add((i.args[0].args[0], i.args[1]))
            elif _whole_shape(i):
                out.add((i.args[0], None))
            elif i.op == "call_function" and i.target is len:
                out.add((i.args[0], 0))
            elif i.op == "call_method" and i.target == "size":
                out.add((i.args[0], i.args[1] if len(i.args) > 1 else i.kwargs.get("dim")))
            elif i.op == "call_method" and i.target in ("numel", "nelement"):
                out.add((i.args[0], None))
            elif not _is_shape_read(i):
                todo.append(i)  # arithmetic on shapes, or a tensor made from them
    return out


def reads_batch(imp, n: fx.Node, found: set) -> bool:
    """Whether the shape computation behind ``n`` reads a batch dim (of a converted tensor
    or of a recurrent state)."""
    for t, d in reads(n, found):
        v = imp.env.get(t)
        if isinstance(v, Stack):
            if d is None or d % len(v.shape) == 1:
                return True
        elif isinstance(v, Tensor):
            if d is None or not isinstance(d, int) or v.dim(d) == v.perm[0]:
                return True
        elif isinstance(v, tuple):
            return True  # the shape of something holding tensors: assume the batch
    return False


def shape_value(ctx, n: fx.Node, found: set, example_batch: int):
    """The value of a shape-made tensor node: a constant, or a batch-broadcast constant
    (``Const.batch``, batch on dim 0), or None when nnspec cannot tell it exactly."""
    value = n.meta["nnspec_value"]
    if not reads_batch(ctx._imp, n, found):
        return Const(f"a tensor made from shapes at node {n.name!r}", value.shape, value=value)
    sizes = list(value.shape)
    if not sizes or sizes[0] != example_batch or example_batch in sizes[1:] or example_batch == 1:
        return None  # the batch is not dim 0, or not the only dim of its size
    first = value[:1]
    if not np.array_equal(np.broadcast_to(first, value.shape), value, equal_nan=True):
        return None  # differs along the batch (torch.arange(B)): not a broadcast value
    return Const(
        f"a tensor made from the batch size at node {n.name!r}",
        value.shape,
        value=first,
        batch=True,
    )


def batch_tensor(ctx, c: Const) -> Tensor:
    """A batch-broadcast constant with no tensor beside it (``torch.zeros(x.size(0), 4)``
    used alone): zeros shaped (batch, 1, ...) from the model's first input, plus the value."""
    from nnspec.spec.ops.constant import FullLike, OnesLike, ZerosLike
    from nnspec.spec.ops.indexing import Slice
    from nnspec.spec.ops.merge import Add
    from nnspec.spec.ops.reshape import Reshape
    from nnspec.spec.ops.shape_ops import BroadcastTo

    from .constants import constant_ref

    probe = ctx._imp.first_input
    value = np.asarray(c.value)
    if probe is None or value.dtype == bool:
        raise ctx.refuse(f"its input is {c.what}, which the spec cannot make for each sample")
    rank = value.ndim
    ref = probe.ref
    if probe.rank > 1:
        axes = list(range(1, probe.rank))
        ref = ctx.emit(
            Slice,
            [ref],
            suffix="batch_probe",
            axes=axes,
            starts=[0] * len(axes),
            stops=[1] * len(axes),
        )
    ref = ctx.emit(Reshape, [ref], suffix="batch_ones", target_shape=[1] * (rank - 1))
    dtype = "float32" if value.dtype.kind == "f" else str(value.dtype)
    flat = value.reshape(-1)
    if flat.size and np.all(flat == flat[0]):  # zeros, ones, a fill value: no weights
        if rank > 1 and any(d != 1 for d in value.shape[1:]):
            ref = ctx.emit(BroadcastTo, [ref], suffix="batch_shape", shape=list(value.shape[1:]))
        fill = flat[0].item()
        if fill == 0:
            out = ctx.emit(ZerosLike, [ref], suffix="batch", dtype=dtype)
        elif fill == 1:
            out = ctx.emit(OnesLike, [ref], suffix="batch", dtype=dtype)
        else:
            out = ctx.emit(FullLike, [ref], suffix="batch", value=fill, dtype=dtype)
        return ctx.result(out, tuple(range(rank)), shape=c.shape, dtype=dtype)
    zeros = ctx.emit(ZerosLike, [ref], suffix="batch_zeros", dtype=dtype)
    const = constant_ref(ctx, Const(c.what, value.shape, value=value), rank, tuple(range(rank)))
    out = ctx.emit(Add, [zeros, const], suffix="batch")
    return ctx.result(out, tuple(range(rank)), shape=c.shape, dtype=dtype)
