"""Tensors that do not depend on the model inputs: parameters and buffers read in
``forward`` (``get_attr``) and whatever is computed from them alone (``self.mask[:, :T] ==
0``, ``self.pos_embed[:, 1:]``). The example run records their values; a converter that meets
one as an operand turns it into a ``constant`` node, in the layout of the tensor it meets.

Imports no torch at module level (the importer passes values as numpy arrays).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

from nnspec.spec.ops.constant import Constant

from .shape_values import RANDOM
from .values import Const, Tensor

if TYPE_CHECKING:
    from torch import fx

    from ..contexts import TorchNodeContext
    from .context import Ctx
    from .spec_builder import SpecBuilder


def constant_nodes(gm: fx.GraphModule) -> set[fx.Node]:
    """Graph nodes computed from parameters and buffers only (numbers aside)."""
    const: set[fx.Node] = set()
    for n in gm.graph.nodes:
        if n.op == "get_attr":
            const.add(n)
        elif n.op in ("call_function", "call_method"):
            ins = n.all_input_nodes
            random = n.target if n.op == "call_method" else getattr(n.target, "__name__", "")
            if ins and all(i in const for i in ins) and random not in RANDOM:
                const.add(n)  # (torch.randn_like(self.w) is new numbers on every call)
    return const


def constant_value(imp: SpecBuilder, n: fx.Node) -> Const:
    value = n.meta["nnspec_value"]
    trainable = False
    what = f"self.{n.target}" if n.op == "get_attr" else f"a constant computed at node {n.name!r}"
    if n.op == "get_attr":
        root = imp.modules.get("")
        attr = root
        for part in str(n.target).split("."):
            attr = getattr(attr, part, None)
        trainable = type(attr).__name__ == "Parameter"
    return Const(what, tuple(value.shape), value=value, trainable=trainable)


def constant_ref(ctx: TorchNodeContext, c: Const, rank: int, perm: tuple[int, ...]) -> str:
    """A ``constant`` node holding ``c`` broadcast-ready against a tensor of ``rank`` held in
    layout ``perm`` (leading size-1 axes added, then the spec's axis order)."""
    if c.value is None:
        raise ctx.refuse(
            f"its operand is {c.what}, whose value nnspec cannot read",
            hint="compute it from parameters or buffers only, or from the inputs",
        )
    value = np.asarray(c.value)
    if value.ndim > rank:
        raise ctx.refuse(f"{c.what} (shape {value.shape}) has more dims than the tensor it meets")
    value = value.reshape((1,) * (rank - value.ndim) + value.shape).transpose(perm)
    imp = cast("Ctx", ctx)._imp  # converters reach here with the importer's own context
    cache = imp.__dict__.setdefault("constant_cache", {})
    key = (c.what, value.shape, perm, value.tobytes())
    if key not in cache:
        base = c.what[5:].replace(".", "_") if c.what.startswith("self.") else f"{ctx.name}_const"
        dtype = "bool" if value.dtype == bool else str(value.dtype)
        dtype = "float32" if dtype == "float64" else dtype
        cache[key] = imp.emit(
            Constant,
            base,
            [],
            params={"value": value},
            attrs={"shape": list(value.shape), "dtype": dtype, "trainable": c.trainable},
            what=ctx.what,
        )
    return cache[key]


def as_tensor(
    ctx: TorchNodeContext, v: Any, like: Tensor | None = None, what: str = "input"
) -> Tensor:
    """``v`` as a Tensor; a Const becomes a constant node in ``like``'s layout (or PyTorch's
    order). A batch-broadcast Const needs a partner (see ``batch_broadcast``)."""
    if isinstance(v, Const) and v.value is not None and (like is not None or not v.batch):
        # a batch-expanded constant broadcasts as its size-1 value does
        rank = like.rank if like is not None else np.ndim(v.value)
        perm = like.perm if like is not None else tuple(range(rank))
        if like is not None and like.flat is not None:
            like = ctx.plain(like)
            perm = like.perm
        ref = constant_ref(ctx, v, rank, perm)
        shape = (1,) * (rank - np.ndim(v.value)) + tuple(np.shape(v.value))
        dtype = "bool" if np.asarray(v.value).dtype == bool else str(np.asarray(v.value).dtype)
        return Tensor(ref, shape, "float32" if dtype == "float64" else dtype, perm)
    return ctx.tensor(v, what)
