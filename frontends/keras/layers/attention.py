"""MultiHeadAttention, Attention, AdditiveAttention -> the attention ops."""

from __future__ import annotations

from nnspec.spec.errors import ConversionError
from nnspec.spec.ops.attention import AdditiveAttention, Attention, MultiHeadAttention

from ..registry import from_layer
from .attention_ops import attention_nodes
from .masking import tensor_refs


def _fail(ctx, key: str, value, why: str) -> ConversionError:
    return ConversionError(
        f"layer {ctx.layer.name!r} ({type(ctx.layer).__name__}): {key}={value!r} is not "
        f"supported ({why})",
        node=ctx.layer.name,
        attr=key,
    )


def _argument(ctx, index: int, key: str):
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


@from_layer("GroupedQueryAttention")
def grouped_query_attention(layer, ctx):
    cfg = ctx.config
    for key in ("use_gate", "sliding_window"):
        if cfg.get(key) not in (None, False):
            raise _fail(ctx, key, cfg[key], "no nnspec equivalent yet")
    if ctx.call_kwargs.get("return_attention_scores"):
        raise _fail(ctx, "return_attention_scores", True, "one output per layer only")
    refs = tensor_refs(ctx)
    query, value = _argument(ctx, 0, "query"), _argument(ctx, 1, "value")
    key, mask = _argument(ctx, 2, "key"), ctx.call_kwargs.get("attention_mask")
    causal = bool(ctx.call_kwargs.get("use_causal_mask", False))
    mask_ref = refs[id(mask)] if mask is not None else None
    return attention_nodes(layer, ctx, query, value, key, mask_ref, causal, _mask_kwargs(ctx))


@from_layer("MultiHeadAttention")
def multi_head_attention(layer, ctx):
    cfg = ctx.config
    if cfg.get("use_gate"):
        raise _fail(ctx, "use_gate", True, "gated attention has no nnspec op yet")
    if cfg.get("sliding_window") is not None:
        raise _fail(ctx, "sliding_window", cfg["sliding_window"], "no nnspec op yet")
    if ctx.call_kwargs.get("return_attention_scores"):
        raise _fail(ctx, "return_attention_scores", True, "one output per layer only")
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
        mask_ref = refs[id(mask)] if mask is not None else None
        return attention_nodes(layer, ctx, query, value, key, mask_ref, causal, _mask_kwargs(ctx))
    inputs = [refs[id(query)], refs[id(value)]]
    if key is not None and key is not value:
        inputs.append(refs[id(key)])
    if mask is not None:
        inputs.append(refs[id(mask)])
    ctx._importer.masks_cleared.update(id(t) for t in (query, value, key) if t is not None)
    out = cfg.get("output_shape")
    if isinstance(out, list | tuple):
        if len(out) != 1:
            raise _fail(ctx, "output_shape", out, "only one output axis (an int)")
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
def attention(layer, ctx):
    cfg = ctx.config
    for key in ("mask", "return_attention_scores"):
        if ctx.call_kwargs.get(key) not in (None, False):
            raise _fail(ctx, key, "given", "masks and attention scores are not supported")
    refs = tensor_refs(ctx)
    tensors = _argument(ctx, 0, "inputs")
    if any(getattr(t, "_keras_mask", None) is not None for t in tensors):  # read in call
        raise _fail(
            ctx,
            "mask",
            "Keras mask",
            "its inputs carry a padding mask (Masking or Embedding(mask_zero=True) "
            "upstream), which nnspec does not apply inside Attention yet",
        )
    inputs = [refs[id(t)] for t in tensors]
    attrs = dict(
        use_scale=cfg["use_scale"],
        dropout=cfg.get("dropout", 0.0),
        causal=bool(ctx.call_kwargs.get("use_causal_mask", False)),
    )
    if type(layer).__name__ == "Attention":
        attrs["score_mode"] = cfg["score_mode"]
        cls = Attention
    else:
        cls = AdditiveAttention
    w = ctx.weights()
    params = {k: w[k] for k in ("scale", "concat_score_weight") if k in w}
    return ctx.node(cls, inputs=inputs, params=params, **attrs)
