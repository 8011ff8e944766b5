"""Multiply, Maximum and Minimum on inputs that carry Keras masks, step by step as Keras 3.15
computes them in ``call`` (keras/src/layers/merging/multiply.py and base_merge.py's
``_apply_merge_op_and_or_mask``). Each mask (batch, time) is expanded over the features:

- Multiply: a masked input counts as 1; when every input has a mask, the product is 0 where
  no input's mask is set.
- Maximum / Minimum: left to right, a masked value takes the running result's value and a
  masked running result takes the value's, while every input so far has had a mask.
"""

from __future__ import annotations

from typing import Any

from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops.merge import Maximum, Minimum, Multiply

from .runtime_masks import carried_mask

MASK_READERS = ("Multiply", "Maximum", "Minimum")
_PAIR = {"Multiply": Multiply, "Maximum": Maximum, "Minimum": Minimum}


def masked_merge(layer: Any, ctx: Any) -> Any:
    """The merge's output node, or None when no input carries a mask."""
    tensors = list(ctx.call_args[0]) if ctx.call_args else list(ctx.call_kwargs["inputs"])
    masks = [carried_mask(ctx, t, f"input{i}") for i, t in enumerate(tensors)]
    if all(m is None for m in masks):
        return None
    ranks = {len(t.shape) for t in tensors}
    for t, m in zip(tensors, masks):
        if m is not None and (len(ranks) > 1 or len(t._keras_mask.shape) != len(t.shape) - 1):
            raise ctx.fail(
                "its inputs carry Keras masks, and nnspec reproduces them only on inputs of "
                "one rank with masks over all but the last axis"
            )
    expanded = [
        None if m is None else ctx.node(S.ExpandDims, suffix=f"mask{i}", inputs=[m], axis=-1).name
        for i, m in enumerate(masks)
    ]
    kind = type(layer).__name__
    if kind == "Multiply":
        return _multiply(ctx, list(ctx.inputs), expanded)
    return _extreme(ctx, list(ctx.inputs), expanded, _PAIR[kind])


def _step(ctx: Any, cls: Any, suffix: str, inputs: list[str], **attrs: Any) -> str:
    return ctx.node(cls, suffix=suffix, inputs=inputs, **attrs).name


def _multiply(ctx: Any, xs: list[str], masks: list[str | None]) -> Any:
    every = all(m is not None for m in masks)
    factors = [
        x if m is None else _step(ctx, E.Where, f"kept{i}", [m, x], b_scalar=1.0)
        for i, (x, m) in enumerate(zip(xs, masks))
    ]
    if not every:
        return ctx.node(Multiply, inputs=factors)
    product = _step(ctx, Multiply, "product", factors)
    present = [m for m in masks if m is not None]  # all of them here
    union = present[0]
    for i, m in enumerate(present[1:], 1):
        union = _step(ctx, E.LogicalOr, f"mask_or{i}", [union, m])
    return ctx.node(E.Where, inputs=[union, product], b_scalar=0.0)


def _extreme(ctx: Any, xs: list[str], masks: list[str | None], pair: Any) -> Any:
    out, out_mask = xs[0], masks[0]
    for i, (x, m) in enumerate(zip(xs[1:], masks[1:]), 1):
        if m is not None:
            x = _step(ctx, E.Where, f"value{i}", [m, x, out])
        if out_mask is not None:
            out = _step(ctx, E.Where, f"running{i}", [out_mask, out, x])
        out_mask = (
            _step(ctx, E.LogicalOr, f"mask_or{i}", [out_mask, m])
            if m is not None and out_mask is not None
            else None
        )
        if i == len(xs) - 1:
            return ctx.node(pair, inputs=[out, x])
        out = _step(ctx, pair, f"step{i}", [out, x])
    raise AssertionError("a merge has two inputs or more")
