"""The Keras mask a tensor carries when the model runs, as spec nodes.

Keras attaches a mask to a layer's output (``_keras_mask``) by calling the layer's
``compute_mask`` with keras.ops: ``not_equal(ids, 0)`` for Embedding(mask_zero=True),
``any(not_equal(x, v), -1)`` for Masking, ``logical_or`` of the inputs' masks for Add and the
other elementwise merges, ``any(concatenate(...), -1)`` for Concatenate. Layers that read the
masks of their inputs inside ``call`` (Multiply, Maximum, Minimum, the attention layers) see
that mask, whether or not the functional graph records its operations, so it is rebuilt here
from its ``_keras_history``, one spec node per keras.ops operation, down to tensors the
conversion has already given a reference. An operation outside this small vocabulary is
refused by name: a mask is never dropped.
"""

from __future__ import annotations

from typing import Any

from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import reduce as R
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops.constant import OnesLike, ZerosLike
from nnspec.spec.ops.merge import Concatenate

from .._common import operation_where
from ..registry import layer_key

# Operations whose graph reference may be a pass-through (layers/masking.py): always rebuilt.
_PASSED_THROUGH = ("ops.NotEqual", "ops.Any")


def carried_mask(ctx: Any, tensor: Any, what: str) -> str | None:
    """A reference to the boolean mask ``tensor`` carries at run time, or None."""
    mask = getattr(tensor, "_keras_mask", None)
    if tensor is None or mask is None or ctx.mask_taken(tensor):
        return None
    return mask_ref(ctx, mask, what)


def mask_ref(ctx: Any, mask: Any, what: str) -> str:
    """A reference to the value of the boolean KerasTensor ``mask`` (see the docstring)."""
    cache = ctx.mask_refs
    if id(mask) not in cache:
        cache[id(mask)] = _build(ctx, mask, what)
    return cache[id(mask)]


def _build(ctx: Any, mask: Any, what: str) -> str:
    history = getattr(mask, "_keras_history", None)
    op = history.operation if history is not None else None
    key = layer_key(op) if op is not None else ""
    refs = ctx.graph_refs
    if id(mask) in refs and key not in _PASSED_THROUGH:
        return refs[id(mask)]
    maker = _MAKERS.get(key)
    if maker is None or history is None:
        source = operation_where(op) if op is not None else "a tensor outside the graph"
        raise ctx.fail(
            f"the Keras mask of its {what} comes from {source}, which nnspec cannot rebuild "
            "(masks from Embedding(mask_zero=True), Masking, merges and keras.ops logic are)",
            attr="mask",
        )
    node = history.operation._inbound_nodes[history.node_index]
    ctx.mask_nodes += 1  # numbered before the operands are built: one suffix each
    return maker(ctx, op, node, f"{what}_mask{ctx.mask_nodes}", what)


def _operand(ctx: Any, x: Any, what: str) -> str:
    """An operand of a mask operation: a mask rebuilt in turn, or a tensor of the graph."""
    if str(getattr(x, "dtype", "")) == "bool":
        return mask_ref(ctx, x, what)
    refs = ctx.graph_refs
    key = layer_key(x._keras_history.operation) if hasattr(x, "_keras_history") else ""
    if id(x) not in refs or key in _PASSED_THROUGH:
        raise ctx.fail(f"the Keras mask of its {what} reads a tensor nnspec has not converted")
    return refs[id(x)]


def _step(ctx: Any, cls: Any, suffix: str, inputs: list[str], **attrs: Any) -> str:
    return ctx.node(cls, suffix=suffix, inputs=inputs, **attrs).name


def _compare(ctx: Any, op: Any, node: Any, suffix: str, what: str) -> str:
    a, b = node.arguments.args
    x = _operand(ctx, a, what)
    if isinstance(b, bool) or not isinstance(b, int | float):
        return _step(ctx, E.NotEqual, suffix, [x, _operand(ctx, b, what)])
    return _step(ctx, E.NotEqual, suffix, [x], scalar=b)


def _logical(cls: Any) -> Any:
    def make(ctx: Any, op: Any, node: Any, suffix: str, what: str) -> str:
        return _step(ctx, cls, suffix, [_operand(ctx, t, what) for t in node.arguments.args])

    return make


def _reduce(cls: Any) -> Any:
    def make(ctx: Any, op: Any, node: Any, suffix: str, what: str) -> str:
        (x,) = node.arguments.args
        axis = op.axis if op.axis is None or isinstance(op.axis, int) else list(op.axis)
        x_ref = _operand(ctx, x, what)
        return _step(ctx, cls, suffix, [x_ref], axis=axis, keepdims=bool(op.keepdims))

    return make


def _expand(ctx: Any, op: Any, node: Any, suffix: str, what: str) -> str:
    (x,) = node.arguments.args
    axis = op.axis if isinstance(op.axis, int) else None
    if axis is None:
        raise ctx.fail(f"the Keras mask of its {what} expands several axes at once")
    return _step(ctx, S.ExpandDims, suffix, [_operand(ctx, x, what)], axis=axis)


def _concatenate(ctx: Any, op: Any, node: Any, suffix: str, what: str) -> str:
    (xs,) = node.arguments.args
    parts = [_operand(ctx, x, what) for x in xs]
    return _step(ctx, Concatenate, suffix, parts, axis=int(op.axis))


def _like(cls: Any) -> Any:
    def make(ctx: Any, op: Any, node: Any, suffix: str, what: str) -> str:
        (x,) = node.arguments.args
        refs = ctx.graph_refs
        if id(x) not in refs:
            raise ctx.fail(f"the Keras mask of its {what} reads a tensor nnspec has not converted")
        return _step(ctx, cls, suffix, [refs[id(x)]], dtype=str(op.dtype or x.dtype))

    return make


def _same(ctx: Any, op: Any, node: Any, suffix: str, what: str) -> str:
    (x,) = node.arguments.args
    if op.dtype is not None and str(op.dtype) != "bool":
        raise ctx.fail(f"the Keras mask of its {what} is converted to {op.dtype}")
    return _operand(ctx, x, what)


_MAKERS = {
    "ops.ConvertToTensor": _same,
    "ops.NotEqual": _compare,
    "ops.Any": _reduce(R.Any),
    "ops.All": _reduce(R.All),
    "ops.LogicalOr": _logical(E.LogicalOr),
    "ops.LogicalAnd": _logical(E.LogicalAnd),
    "ops.LogicalNot": _logical(E.LogicalNot),
    "ops.ExpandDims": _expand,
    "ops.Concatenate": _concatenate,
    "ops.OnesLike": _like(OnesLike),
    "ops.ZerosLike": _like(ZerosLike),
}
