"""multi_head_attention, attention, additive_attention -> layers.MultiHeadAttention,
layers.Attention, layers.AdditiveAttention."""

from nnspec.spec.ops.attention import AdditiveAttention, Attention, MultiHeadAttention

from ...contexts import KerasContext
from ..registry import converter


@converter(MultiHeadAttention)
def multi_head_attention(node: MultiHeadAttention, ctx: KerasContext) -> str:
    kwargs = {
        k: getattr(node, k) for k in ("value_dim", "output_shape", "dropout") if getattr(node, k)
    }
    if not node.use_bias:
        kwargs["use_bias"] = False
    weights = []
    for name in ("query", "key", "value", "output"):
        weights.append(ctx.params[f"{name}_kernel"])
        if node.use_bias:
            weights.append(ctx.params[f"{name}_bias"])
    layer = ctx.layer(
        "layers.MultiHeadAttention", node.num_heads, node.key_dim, weights=weights, **kwargs
    )
    n = len(ctx.inputs) - (1 if node.attention_mask else 0)
    args = ctx.inputs[:2]
    if n == 3:
        args.append(f"key={ctx.inputs[2]}")
    if node.attention_mask:
        args.append(f"attention_mask={ctx.inputs[-1]}")
    if node.causal:
        args.append("use_causal_mask=True")
    return f"{layer}({', '.join(args)})"


@converter(Attention, AdditiveAttention)
def attention(node, ctx: KerasContext) -> str:
    kwargs = {}
    if node.use_scale != type(node).model_fields["use_scale"].default:
        kwargs["use_scale"] = node.use_scale
    if getattr(node, "score_mode", "dot") != "dot":
        kwargs["score_mode"] = node.score_mode
    if node.dropout:
        kwargs["dropout"] = node.dropout
    weights = [ctx.params[k] for k in ("scale", "concat_score_weight") if k in ctx.params]
    cls = "layers.Attention" if node.op == "attention" else "layers.AdditiveAttention"
    layer = ctx.layer(cls, weights=weights, **kwargs)
    causal = ", use_causal_mask=True" if node.causal else ""
    return f"{layer}([{', '.join(ctx.inputs)}]{causal})"
