"""nn.MultiheadAttention -> multi_head_attention (Keras' MultiHeadAttention).

PyTorch projects with ``in_proj_weight`` (3E, E) (or separate q/k/v weights when kdim/vdim
differ) and ``out_proj``; the spec's kernels are per head: ``query_kernel`` (E, heads,
head_dim) is the transposed projection split by head, ``output_kernel`` (heads, head_dim, E).
Both scale the queries by 1/sqrt(head_dim). Masks are not converted.
"""

from __future__ import annotations

from nnspec.spec.ops.attention import MultiHeadAttention

from ...contexts import TorchNodeContext
from ..registry import from_module
from ..values import Const
from ._common import array


@from_module("MultiheadAttention")
def multi_head_attention(m, ctx: TorchNodeContext):
    for i, key in ((4, "key_padding_mask"), (6, "attn_mask")):
        if ctx.arg(i, key, None) is not None:
            raise ctx.refuse(f"{key} is not supported (the spec takes no masks from PyTorch)")
    if ctx.arg(8, "is_causal", False):
        raise ctx.refuse("is_causal=True is not supported")
    q, k, v = (ctx.input(i, n) for i, n in enumerate(("query", "key", "value")))
    output = attention_node(m, ctx, q, k, v)
    return (output, Const(f"the attention weights of {ctx.what}", ()))


def attention_node(m, ctx, q, k, v, *, causal: bool = False):
    """The multi_head_attention node of ``m`` on query, key and value (Tensors)."""
    if m.bias_k is not None or m.add_zero_attn:
        raise ctx.refuse("add_bias_kv / add_zero_attn are not supported")
    perm = (0, 1, 2) if m.batch_first else (1, 0, 2)
    refs = [ctx.as_perm(x, perm) for x in (q, v, k)]
    if refs[2] == refs[1]:
        refs = refs[:2]  # the key is the value: the spec's default
    e, heads = m.embed_dim, m.num_heads
    hd = e // heads
    if m._qkv_same_embed_dim:
        wq, wk, wv = array(m.in_proj_weight).reshape(3, e, e)
    else:
        wq, wk, wv = (array(getattr(m, f"{p}_proj_weight")) for p in "qkv")
    params = {
        "query_kernel": wq.T.reshape(-1, heads, hd),
        "key_kernel": wk.T.reshape(-1, heads, hd),
        "value_kernel": wv.T.reshape(-1, heads, hd),
        "output_kernel": array(m.out_proj.weight).T.reshape(heads, hd, e),
    }
    use_bias = m.in_proj_bias is not None
    if use_bias:
        bq, bk, bv = array(m.in_proj_bias).reshape(3, heads, hd)
        params.update(query_bias=bq, key_bias=bk, value_bias=bv)
        params["output_bias"] = array(m.out_proj.bias)
    elif m.out_proj.bias is not None:
        raise ctx.refuse("an output bias without input biases is not supported")
    out = ctx.emit(
        MultiHeadAttention,
        refs,
        num_heads=heads,
        key_dim=hd,
        use_bias=use_bias,
        dropout=float(m.dropout),
        causal=causal,
        params=params,
    )
    return ctx.result(out, perm, shape=q.shape, dtype="float32")
