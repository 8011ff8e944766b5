"""Attention and AdditiveAttention with padding masks, in tensor ops, as Keras 3.15 computes
them (keras/src/layers/attention/attention.py): the layer reads ``mask=[query_mask,
value_mask]`` (given, or the Keras masks its query and value carry when the model runs),
subtracts 1e9 from the scores of masked value steps (ANDed with the causal mask), takes the
softmax over the value steps, and zeroes the output at masked query steps. Dropout only acts
in training. The ``attention`` / ``additive_attention`` ops cover the layers without masks."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import reduce as R
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops.activation import Softmax
from nnspec.spec.ops.linalg import Einsum
from nnspec.spec.ops.merge import Add, Multiply, Subtract

from .einsum_dense import constant_node
from .runtime_masks import carried_mask, mask_ref

_PADDING_BIAS = 1.0e9  # Attention._apply_scores (65504 for float16, refused below)


def pair_masks(ctx: Any, tensors: list[Any]) -> tuple[str | None, str | None]:
    """(query mask, value mask) references as the layer's ``call`` receives them."""
    given = ctx.call_kwargs.get("mask")
    if given is not None:
        given = list(given) + [None] * 2
        return tuple(  # type: ignore[return-value]
            None if m is None else mask_ref(ctx, m, what)
            for m, what in zip(given, ("query", "value"))
        )
    return carried_mask(ctx, tensors[0], "query"), carried_mask(ctx, tensors[1], "value")


def _step(ctx: Any, cls: Any, suffix: str, *inputs: str, **attrs: Any) -> str:
    return ctx.node(cls, suffix=suffix, inputs=list(inputs), **attrs).name


def _weight(ctx: Any, name: str, rank: int) -> str:
    value = ctx.weights()[name]
    return constant_node(ctx, name, value.reshape((1,) * (rank - value.ndim) + value.shape))


def _scores(layer: Any, ctx: Any, q: str, k: str) -> str:
    cfg = ctx.config
    additive = type(layer).__name__ == "AdditiveAttention"
    if not additive and cfg["score_mode"] == "dot":
        scores = _step(ctx, Einsum, "scores", q, k, equation="btd,bsd->bts")
        if cfg["use_scale"]:
            scores = _step(ctx, Multiply, "scaled_scores", scores, _weight(ctx, "scale", 3))
        return scores
    rows = _step(ctx, S.ExpandDims, "query_rows", q, axis=-2)
    columns = _step(ctx, S.ExpandDims, "key_columns", k, axis=-3)
    pairs = _step(ctx, Add, "pairs", rows, columns)
    if additive:  # sum(scale * tanh(q + k), -1)
        tanh = _step(ctx, E.Tanh, "tanh", pairs)
        if cfg["use_scale"]:
            tanh = _step(ctx, Multiply, "scaled_tanh", tanh, _weight(ctx, "scale", 4))
        return _step(ctx, R.Sum, "scores", tanh, axis=-1)
    if cfg["use_scale"]:  # concat: weight * sum(tanh(scale * (q + k)), -1)
        pairs = _step(ctx, Multiply, "scaled_pairs", pairs, _weight(ctx, "scale", 4))
    total = _step(ctx, R.Sum, "tanh_sum", _step(ctx, E.Tanh, "tanh", pairs), axis=-1)
    return _step(ctx, Multiply, "scores", total, _weight(ctx, "concat_score_weight", 3))


def masked_pair_attention(
    layer: Any, ctx: Any, tensors: list[Any], q_mask: str | None, v_mask: str | None, causal: bool
) -> Any:
    """The layer's output node (see the module docstring)."""
    if any(str(t.dtype) == "float16" for t in tensors):
        raise ctx.fail("a float16 masked attention (Keras biases by 65504 there)")
    refs = ctx.graph_refs
    q, v = refs[id(tensors[0])], refs[id(tensors[1])]
    k = refs[id(tensors[2])] if len(tensors) > 2 else v
    scores = _scores(layer, ctx, q, k)
    keep = None
    if v_mask is not None:
        keep = _step(ctx, S.ExpandDims, "value_mask_rows", v_mask, axis=-2)
    if causal:
        t, s = tensors[0].shape[1], tensors[1].shape[1]
        if t is None or s is None:
            raise ctx.fail("a causal mask with padding masks needs fixed query and value lengths")
        tri = constant_node(ctx, "causal_mask", np.tril(np.ones((t, s), bool))[None], False)
        keep = tri if keep is None else _step(ctx, E.LogicalAnd, "score_mask", keep, tri)
    if keep is not None:
        bias = constant_node(
            ctx, "padding_bias", np.full((1, 1, 1), _PADDING_BIAS, np.float32), False
        )
        lowered = _step(ctx, Subtract, "lowered_scores", scores, bias)
        scores = _step(ctx, E.Where, "masked_scores", keep, scores, lowered)
    probs = _step(ctx, Softmax, "probs", scores, axis=-1)
    if q_mask is None:
        return ctx.node(Einsum, inputs=[probs, v], equation="bts,bsd->btd")
    out = _step(ctx, Einsum, "attended", probs, v, equation="bts,bsd->btd")
    rows = _step(ctx, S.ExpandDims, "query_mask_rows", q_mask, axis=-1)
    return ctx.node(E.Where, inputs=[rows, out], b_scalar=0.0)
