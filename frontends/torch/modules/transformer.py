"""nn.TransformerEncoderLayer / nn.TransformerEncoder -> multi_head_attention, layer_norm,
dense, activation and add nodes (the layer's own computation, post-norm or ``norm_first``).

The modules stay whole in the trace: their forward checks for fused fast paths with Python
control flow on tensors, which fx cannot record. At inference that forward computes
``x = norm1(x + dropout1(self_attn(x, x, x, mask)))`` then
``x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))`` (``norm_first``: the
norms on the branch inputs instead), which is what is emitted, each step by the converter of
the submodule (nn.Linear, nn.LayerNorm, ...), named after it. Masks: a causal one (PyTorch's
``generate_square_subsequent_mask``, a boolean upper triangle, ``is_causal=True``); other
masks and ``src_key_padding_mask`` are refused.
"""

from __future__ import annotations

import numpy as np

from nnspec.spec.ops.activation import Activation
from nnspec.spec.ops.dropout import Dropout
from nnspec.spec.ops.merge import Add

from ..registry import from_module, is_stock_class, module_converter
from ..values import Const, Tensor
from .attention import attention_node

_ACTIVATIONS = {"relu": "relu", "gelu": "gelu"}


def _is_causal_mask(value) -> bool:
    a = np.asarray(value)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        return False
    above = np.triu(np.ones(a.shape, bool), 1)
    if a.dtype == bool:  # True: not allowed to attend
        return bool(np.array_equal(a, above))
    return bool(np.all(a[~above] == 0) and np.all(np.isneginf(a[above])))


def _causal(ctx, mask, is_causal) -> bool:
    if mask is None:
        if is_causal:
            raise ctx.refuse("is_causal=True without a mask (PyTorch then ignores is_causal)")
        return False
    if isinstance(mask, Const) and mask.value is not None and _is_causal_mask(mask.value):
        return True
    raise ctx.refuse(
        "only causal attention masks are converted (nn.Transformer."
        "generate_square_subsequent_mask, or a boolean upper triangle); this mask is "
        + (f"{mask.what}" if isinstance(mask, (Const, Tensor)) else repr(mask)),
        hint="other masks need the spec's attention_mask input, not converted from PyTorch yet",
    )


class _Sub:
    """Runs a submodule's converter on given inputs, naming its nodes after the submodule."""

    def __init__(self, ctx, owner, prefix: str):
        self.ctx, self.owner, self.prefix = ctx, owner, prefix

    def __call__(self, attr: str, x: Tensor) -> Tensor:
        from ..subcall import sub_ctx

        m = getattr(self.owner, attr)
        fn = module_converter(m)
        if fn is None:
            raise self.ctx.refuse(f"its submodule {attr!r} ({type(m).__name__}) has no converter")
        shape = (*x.shape[:-1], getattr(m, "out_features", x.shape[-1]))
        return fn(m, sub_ctx(self.ctx, m, f"{self.prefix}{attr}", [x], shape))


def _add(ctx, name: str, a: Tensor, b: Tensor) -> Tensor:
    ref_b = ctx.as_perm(b, a.perm)
    out = ctx.emit(Add, [a.ref, ref_b], suffix=name)
    return ctx.result(out, a.perm, shape=a.shape, dtype=a.dtype)


def _dropout(ctx, name: str, rate: float, x: Tensor) -> Tensor:
    out = ctx.emit(Dropout, [x.ref], suffix=name, rate=float(rate))
    return ctx.result(out, x.perm, shape=x.shape, dtype=x.dtype)


def encoder_layer(m, ctx, x: Tensor, causal: bool, prefix: str = "") -> Tensor:
    if not is_stock_class(type(m)):
        raise ctx.refuse(
            f"layer {prefix!r} is a {type(m).__name__}, not nn.TransformerEncoderLayer"
        )
    act = getattr(m.activation, "__name__", None)
    if act not in _ACTIVATIONS or m.activation_relu_or_gelu == 0:
        raise ctx.refuse(f"activation {m.activation!r} is not supported (relu or gelu)")
    sub = _Sub(ctx, m, prefix)

    def attention(h: Tensor) -> Tensor:
        from ..subcall import sub_ctx

        a = m.self_attn
        sctx = sub_ctx(ctx, a, f"{prefix}self_attn", [h, h, h], h.shape)
        return _dropout(
            ctx, f"{prefix}dropout1", m.dropout1.p, attention_node(a, sctx, h, h, h, causal=causal)
        )

    def feed_forward(h: Tensor) -> Tensor:
        h = sub("linear1", h)
        out = ctx.emit(
            Activation, [h.ref], suffix=f"{prefix}activation", activation=_ACTIVATIONS[act]
        )
        h = ctx.result(out, h.perm, shape=h.shape, dtype=h.dtype)
        h = sub("linear2", _dropout(ctx, f"{prefix}dropout", m.dropout.p, h))
        return _dropout(ctx, f"{prefix}dropout2", m.dropout2.p, h)

    if m.norm_first:
        x = _add(ctx, f"{prefix}add1", x, attention(sub("norm1", x)))
        return _add(ctx, f"{prefix}add2", x, feed_forward(sub("norm2", x)))
    x = sub("norm1", _add(ctx, f"{prefix}add1", x, attention(x)))
    return sub("norm2", _add(ctx, f"{prefix}add2", x, feed_forward(x)))


def _no_padding_mask(ctx, i: int) -> None:
    if ctx.arg(i, "src_key_padding_mask", None) is not None:
        raise ctx.refuse("src_key_padding_mask is not supported (padding masks are not converted)")


@from_module("TransformerEncoderLayer")
def transformer_encoder_layer(m, ctx):
    _no_padding_mask(ctx, 2)
    causal = _causal(ctx, ctx.arg(1, "src_mask", None), ctx.arg(3, "is_causal", False))
    return encoder_layer(m, ctx, ctx.input(0, "src"), causal)


@from_module("TransformerEncoder")
def transformer_encoder(m, ctx):
    _no_padding_mask(ctx, 2)
    causal = _causal(ctx, ctx.arg(1, "mask", None), ctx.arg(3, "is_causal", None))
    x = ctx.input(0, "src")
    for i, layer in enumerate(m.layers):
        x = encoder_layer(layer, ctx, x, causal, prefix=f"layers_{i}_")
    if m.norm is not None:
        x = _Sub(ctx, m, "")("norm", x)
    return x
