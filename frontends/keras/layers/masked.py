"""Keras masks read by layers other than the recurrent ones, written out in tensor ops the way
each layer uses its ``mask`` argument at inference: GlobalAveragePooling1D (the mean over the
kept steps), Softmax (masked logits at -1e9, masked probabilities zeroed) and
BatchNormalization (the mask only selects the training statistics: no effect)."""

from __future__ import annotations

from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import reduce as R
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops.activation import Softmax

from .._common import tensor_refs
from .masking import mask_source
from .runtime_masks import mask_ref


def keras_made_mask(mask) -> bool:
    """The mask Keras computes for Embedding(mask_zero=True) (``not_equal``) or Masking
    (``any(not_equal)``), as opposed to a mask tensor a traced layer's code computes."""
    history = getattr(mask, "_keras_history", None)
    return history is not None and type(history.operation).__name__ in ("NotEqual", "Any")


def _embedding_or_masking(mask) -> bool:
    """``not_equal(ids, v)`` on (batch, time) ids, or ``any(not_equal(x, v), -1)``."""
    op = mask._keras_history.operation
    if type(op).__name__ == "Any":
        inner = op._inbound_nodes[0].arguments.args[0]
        history = getattr(inner, "_keras_history", None)
        rank = len(inner.shape)
        return (
            history is not None
            and type(history.operation).__name__ == "NotEqual"
            and not op.keepdims
            and [a % rank for a in (op.axis or ())] == [rank - 1]
        )
    return type(op).__name__ == "NotEqual" and len(mask.shape) == 2


def keras_mask(ctx) -> str | None:
    """The layer's ``mask`` argument as a (batch, time) boolean node, or None."""
    mask = ctx.call_kwargs.get("mask")
    if mask is None:
        return None
    kind = mask._keras_history.operation
    if not _embedding_or_masking(mask):
        return mask_ref(ctx, mask, "input")  # a merge's mask, or one the model computes
    source, value = mask_source(ctx, mask, tensor_refs(ctx))
    if type(kind).__name__ == "Any":  # Masking: any step feature differs from the value
        x = ctx.node(E.NotEqual, suffix="mask_values", inputs=[source], scalar=value).name
        return ctx.node(R.Any, suffix="mask", inputs=[x], axis=-1).name
    if str(mask.dtype) == "bool" and type(kind).__name__ != "NotEqual":
        return source  # a boolean (batch, time) tensor is the mask itself
    return ctx.node(E.NotEqual, suffix="mask", inputs=[source], scalar=value).name


def data_input(ctx) -> str:
    """The layer's data input (ctx.inputs also holds its mask's source)."""
    return tensor_refs(ctx)[id(ctx.call_args[0] if ctx.call_args else ctx.call_kwargs["inputs"])]


def masked_average(ctx, keepdims: bool):
    """sum(where(mask, x, 0), steps) / sum(mask, steps), as Keras computes it."""
    x, mask = data_input(ctx), keras_mask(ctx)
    steps = ctx.node(S.ExpandDims, suffix="mask_steps", inputs=[mask], axis=2).name
    kept = ctx.node(E.Where, suffix="kept", inputs=[steps, x], b_scalar=0.0).name
    total = ctx.node(R.Sum, suffix="total", inputs=[kept], axis=1, keepdims=keepdims).name
    weights = ctx.node(E.Cast, suffix="mask_float", inputs=[steps], dtype="float32").name
    count = ctx.node(R.Sum, suffix="count", inputs=[weights], axis=1, keepdims=keepdims).name
    return ctx.node(E.Divide, inputs=[total, count])


def masked_softmax(ctx, axis: int):
    x, mask = data_input(ctx), keras_mask(ctx)
    logits = ctx.node(E.Where, suffix="logits", inputs=[mask, x], b_scalar=-1e9).name
    probs = ctx.node(Softmax, suffix="unmasked", inputs=[logits], axis=axis).name
    return ctx.node(E.Where, inputs=[mask, probs], b_scalar=0.0)
