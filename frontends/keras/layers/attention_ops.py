"""MultiHeadAttention and GroupedQueryAttention written out in tensor ops, step by step as
Keras 3.15 computes them, for what the ``multi_head_attention`` op does not cover: any
``attention_axes``, padding masks (the Keras masks of query, value and key, ANDed with an
``attention_mask`` and the causal mask), and grouped key/value heads.

Keras takes one of two routes, and they differ where a whole row is masked, so both are
reproduced: with 4-D projections and no dropout, ``ops.dot_product_attention`` (masked
scores set to -0.7 * float32 max, a plain softmax); otherwise einsum, a masked softmax
(masked scores set to -1e9, softmax over the attention axes, masked probabilities zeroed).

Keras' MultiHeadAttention also takes the Keras mask off its query, value and key tensors when
it runs (``set_keras_mask(query, None)``), so an attention layer reading the same tensor later
in the model's run sees no mask: the conversion walks in Keras' order and does the same
(``masks_cleared``), giving Keras' numbers.
"""

from __future__ import annotations

import numpy as np

from nnspec.spec.errors import ConversionError
from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import reduce as R
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops.activation import Softmax
from nnspec.spec.ops.linalg import Einsum
from nnspec.spec.ops.merge import Multiply, Subtract

from ..registry import layer_key
from .einsum_dense import constant_node, projection
from .runtime_masks import mask_ref

_DOT_NEGATIVE = 3.38953e38 * -0.7  # keras.src.backend.tensorflow.nn._get_large_negative
_SOFTMAX_NEGATIVE = -1e9  # keras.src.layers.activations.softmax._large_negative_number


class _Steps:
    def __init__(self, ctx):
        self.ctx = ctx

    def __call__(self, cls, suffix: str, *inputs: str, **attrs) -> str:
        return self.ctx.node(cls, suffix=suffix, inputs=list(inputs), **attrs).name


def _fail(ctx, why: str) -> ConversionError:
    return ctx.fail(why)


def has_mask(ctx, tensor) -> bool:
    """The tensor carries a Keras mask that an attention layer here still reads."""
    return (
        tensor is not None
        and getattr(tensor, "_keras_mask", None) is not None
        and not ctx.mask_taken(tensor)
    )


def keras_mask_ref(ctx, step: _Steps, tensor, suffix: str) -> str | None:
    """A spec reference to the Keras mask a tensor carries (None when it has none): the mask
    tensor itself when the graph computed it, else its ``not_equal`` (Embedding mask_zero)
    or ``any(not_equal(x, v), -1)`` (Masking) recomputed from the tensor it compares."""
    if not has_mask(ctx, tensor):
        return None
    mask = tensor._keras_mask
    refs = ctx.graph_refs
    op = mask._keras_history.operation
    key = layer_key(op)
    if key == "ops.NotEqual":
        source, value = op._inbound_nodes[0].arguments.args
        if id(source) in refs and isinstance(value, int | float):
            return step(E.NotEqual, f"{suffix}_mask", refs[id(source)], scalar=value)
    if key == "ops.Any" and len(op._inbound_nodes[0].arguments.args) == 1:
        inner = op._inbound_nodes[0].arguments.args[0]._keras_history.operation
        if layer_key(inner) == "ops.NotEqual":
            source, value = inner._inbound_nodes[0].arguments.args
            if id(source) in refs and isinstance(value, int | float):
                x = step(E.NotEqual, f"{suffix}_mask_values", refs[id(source)], scalar=value)
                return step(R.Any, f"{suffix}_mask", x, axis=-1)
    return mask_ref(ctx, mask, suffix)  # a merge's mask: rebuilt from its keras.ops


def _causal(step: _Steps, t: int | None, s: int | None, ctx) -> str:
    if t is None or s is None:
        raise _fail(ctx, "a causal mask needs fixed query and key lengths")
    value = np.tril(np.ones((t, s), dtype=bool))[None]
    return constant_node(ctx, "causal_mask", value, trainable=False)


def _attention_mask(ctx, step, q, v, k, explicit, causal: bool, given) -> str | None:
    """Keras' ``_compute_attention_mask``: (B, T, S) booleans, or None."""
    parts = []
    q_mask = keras_mask_ref(ctx, step, q, "query")
    if q_mask is not None:
        parts.append(step(S.ExpandDims, "query_mask_rows", q_mask, axis=-1))
    for name, t in (("value", v), ("key", k)):
        m = given.get(name) or (keras_mask_ref(ctx, step, t, name) if t is not None else None)
        if m is not None:
            if name in given:
                m = step(E.Cast, f"{name}_mask_bool", m, dtype="bool")
            parts.append(step(S.ExpandDims, f"{name}_mask_columns", m, axis=-2))
    if causal:
        parts.append(_causal(step, q.shape[1], v.shape[1], ctx))
    mask = None
    for k_, part in enumerate(parts):
        mask = part if mask is None else step(E.LogicalAnd, f"mask_and{k_}", mask, part)
    if explicit is not None:
        explicit = step(E.Cast, "attention_mask_bool", explicit, dtype="bool")
        mask = explicit if mask is None else step(E.LogicalAnd, "mask", explicit, mask)
    return mask


def attention_nodes(
    layer, ctx, query, value, key, explicit_mask: str | None, causal: bool, given: dict
):
    """The layer's output node, built from tensor ops (see the module docstring)."""
    refs = ctx.graph_refs
    step = _Steps(ctx)
    grouped = type(layer).__name__ == "GroupedQueryAttention"
    dropout = layer.dropout if grouped else layer._dropout
    scale = layer._inverse_sqrt_head_dim if grouped else layer._inverse_sqrt_key_dim
    key_t = value if key is None else key
    q = projection(ctx, layer._query_dense, refs[id(query)], tuple(query.shape), "query_")
    k = projection(ctx, layer._key_dense, refs[id(key_t)], tuple(key_t.shape), "key_")
    v = projection(ctx, layer._value_dense, refs[id(value)], tuple(value.shape), "value_")
    if grouped and layer.num_repeats > 1:
        k = step(S.RepeatInterleave, "key_heads", k, repeats=layer.num_repeats, axis=2)
        v = step(S.RepeatInterleave, "value_heads", v, repeats=layer.num_repeats, axis=2)
    rank = len(query.shape) + 1  # the projections add the heads axis
    axes = (1,) if grouped else layer._attention_axes
    if len(query.shape) != 3 and (
        causal
        or given
        or any(
            getattr(t, "_keras_mask", None) is not None
            for t in (query, value, key)
            if t is not None
        )
    ):
        raise _fail(ctx, "padding and causal masks are supported on (batch, time, features) inputs")
    mask = _attention_mask(ctx, step, query, value, key, explicit_mask, causal, given)
    if not grouped:  # MultiHeadAttention.call clears them; GroupedQueryAttention does not
        ctx.take_masks(query, value, key)
    scale_row = constant_node(ctx, "scale", np.full((1,) * rank, scale, np.float32), False)
    if dropout == 0.0 and rank == 4:  # ops.dot_product_attention
        scores = step(Einsum, "scores", q, k, equation="btnh,bsnh->bnts")
        scores = step(Multiply, "scaled_scores", scores, scale_row)
        if mask is not None:
            mask = step(S.ExpandDims, "mask_heads", mask, axis=-3)
            scores = step(E.Where, "masked_scores", mask, scores, b_scalar=_DOT_NEGATIVE)
        probs = step(Softmax, "probs", scores, axis=-1)
        out = step(Einsum, "attended", probs, v, equation="bnts,bsnh->btnh")
    else:
        q = step(Multiply, "scaled_query", q, scale_row)
        pair = (q, k) if grouped else (k, q)
        scores = step(Einsum, "scores", *pair, equation=layer._dot_product_equation)
        score_rank = len(axes) * 2 + rank - 1 - len(axes)
        norm = list(range(score_rank - len(axes), score_rank))
        if mask is not None:
            for i in range(score_rank - 3):  # Keras' _masked_softmax expansion
                mask = step(S.ExpandDims, f"mask_expand{i}", mask, axis=-len(axes) * 2 - 1)
            scores = step(E.Where, "masked_scores", mask, scores, b_scalar=_SOFTMAX_NEGATIVE)
        if len(norm) == 1:
            probs = step(Softmax, "probs", scores, axis=norm[0])
        else:  # Keras: exp(x - logsumexp(x, axes))
            lse = step(R.Logsumexp, "logsumexp", scores, axis=norm, keepdims=True)
            probs = step(E.Exp, "probs", step(Subtract, "centred", scores, lse))
        if mask is not None:
            probs = step(E.Where, "masked_probs", mask, probs, b_scalar=0.0)
        out = step(Einsum, "attended", probs, v, equation=layer._combine_equation)
    q_shape = tuple(layer._query_dense.compute_output_shape(tuple(query.shape)))
    v_shape = tuple(layer._value_dense.compute_output_shape(tuple(value.shape)))
    return projection(ctx, layer._output_dense, out, q_shape[:-1] + v_shape[-1:], "output_")
