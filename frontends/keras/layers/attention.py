"""MultiHeadAttention, Attention, AdditiveAttention -> the attention ops."""

from __future__ import annotations

from nnspec.spec.node import Node
from nnspec.spec.ops.attention import AdditiveAttention, Attention, MultiHeadAttention
from nnspec.spec.ops.elementwise import Cast

from ...contexts import KerasLayerContext
from .._common import tensor_refs
from ..registry import from_layer
from .attention_ops import attention_nodes
from .pair_attention import masked_pair_attention, pair_masks


def _argument(ctx: KerasLayerContext, index: int, key: str):
    args = ctx.call_args
    return args[index] if len(args) > index else ctx.call_kwargs.get(key)


def _mask_kwargs(ctx) -> dict[str, str]:
    """Masks passed by name (value_mask=, key_mask=): Keras fills them from the inputs'
    Keras masks only when absent, and always reads the query's from the query itself."""
    refs = tensor_refs(ctx)
    return {
        k.removesuffix("_mask"): refs[id(ctx.call_kwargs[k])]
        for k in ("value_mask", "key_mask")
        if ctx.call_kwargs.get(k) is not None
    }


def _explicit_mask(ctx, mask) -> str | None:
    """The attention_mask argument as a reference (Keras casts a non-boolean one)."""
    if mask is None:
        return None
    ref = tensor_refs(ctx)[id(mask)]
    if str(mask.dtype) != "bool":  # Keras casts it: nonzero is kept
        return ctx.node(Cast, suffix="mask", inputs=[ref], dtype="bool").name
    return ref


@from_layer("GroupedQueryAttention")
def grouped_query_attention(layer, ctx):
    cfg = ctx.config
    for key in ("use_gate", "sliding_window"):
        if cfg.get(key) not in (None, False):
            raise ctx.refuse(key, "no nnspec equivalent yet")
    if ctx.call_kwargs.get("return_attention_scores"):
        raise ctx.refuse("return_attention_scores", "one output per layer only", value=True)
    query, value = _argument(ctx, 0, "query"), _argument(ctx, 1, "value")
    key, mask = _argument(ctx, 2, "key"), ctx.call_kwargs.get("attention_mask")
    causal = bool(ctx.call_kwargs.get("use_causal_mask", False))
    explicit = _explicit_mask(ctx, mask)
    return attention_nodes(layer, ctx, query, value, key, explicit, causal, _mask_kwargs(ctx))


@from_layer("MultiHeadAttention")
def multi_head_attention(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    if cfg.get("use_gate"):
        raise ctx.refuse("use_gate", "gated attention has no nnspec op yet", value=True)
    if cfg.get("sliding_window") is not None:
        raise ctx.refuse("sliding_window", "no nnspec op yet", value=cfg["sliding_window"])
    if ctx.call_kwargs.get("return_attention_scores"):
        raise ctx.refuse("return_attention_scores", "one output per layer only", value=True)
    refs = tensor_refs(ctx)
    query, value = _argument(ctx, 0, "query"), _argument(ctx, 1, "value")
    key, mask = _argument(ctx, 2, "key"), ctx.call_kwargs.get("attention_mask")
    causal = bool(ctx.call_kwargs.get("use_causal_mask", False))
    # Tensor ops whenever an input has carried a Keras mask, even one an earlier attention
    # layer took off: a rebuilt Keras MultiHeadAttention would read the mask again.
    masked = any(getattr(t, "_keras_mask", None) is not None for t in (query, value, key)) or any(
        ctx.call_kwargs.get(k) is not None for k in ("value_mask", "key_mask")
    )
    if masked or cfg.get("attention_axes") not in (None, (1,), [1]) or len(query.shape) != 3:
        explicit = _explicit_mask(ctx, mask)
        return attention_nodes(layer, ctx, query, value, key, explicit, causal, _mask_kwargs(ctx))
    inputs = [refs[id(query)], refs[id(value)]]
    if key is not None and key is not value:
        inputs.append(refs[id(key)])
    if mask is not None and str(mask.dtype) != "bool":  # Keras casts it: nonzero is kept
        inputs.append(ctx.node(Cast, suffix="mask", inputs=[refs[id(mask)]], dtype="bool").id)
    elif mask is not None:
        inputs.append(refs[id(mask)])
    ctx.take_masks(query, value, key)
    out = cfg.get("output_shape")
    if isinstance(out, list | tuple):
        if len(out) != 1:
            raise ctx.refuse("output_shape", "only one output axis (an int)", value=out)
        out = out[0]
    weights = {}
    for name, sub in (
        ("query", layer._query_dense),
        ("key", layer._key_dense),
        ("value", layer._value_dense),
        ("output", layer._output_dense),
    ):
        w = ctx.weights(sub)
        weights[f"{name}_kernel"] = w["kernel"]
        if cfg["use_bias"]:
            weights[f"{name}_bias"] = w["bias"]
    return ctx.node(
        MultiHeadAttention,
        inputs=inputs,
        num_heads=cfg["num_heads"],
        key_dim=cfg["key_dim"],
        value_dim=cfg.get("value_dim") if cfg.get("value_dim") != cfg["key_dim"] else None,
        output_shape=out,
        use_bias=cfg["use_bias"],
        dropout=cfg.get("dropout", 0.0),
        causal=causal,
        attention_mask=mask is not None,
        params=weights,
    )


@from_layer("Attention", "AdditiveAttention")
def attention(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    if ctx.call_kwargs.get("return_attention_scores"):
        raise ctx.refuse("return_attention_scores", "one output per layer only", value=True)
    refs = tensor_refs(ctx)
    tensors = list(_argument(ctx, 0, "inputs"))
    causal = bool(ctx.call_kwargs.get("use_causal_mask", False))
    q_mask, v_mask = pair_masks(ctx, tensors)  # the masks Keras reads in call
    if q_mask is not None or v_mask is not None:
        return masked_pair_attention(layer, ctx, tensors, q_mask, v_mask, causal)
    inputs = [refs[id(t)] for t in tensors]
    attrs = dict(use_scale=cfg["use_scale"], dropout=cfg.get("dropout", 0.0), causal=causal)
    if type(layer).__name__ == "Attention":
        attrs["score_mode"] = cfg["score_mode"]
        cls: type[Node] = Attention
    else:
        cls = AdditiveAttention
    w = ctx.weights()
    params = {k: w[k] for k in ("scale", "concat_score_weight") if k in w}
    return ctx.node(cls, inputs=inputs, params=params, **attrs)
