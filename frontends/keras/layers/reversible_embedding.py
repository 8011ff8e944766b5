"""Keras ReversibleEmbedding: an Embedding whose ``reverse=True`` call turns hidden states
into logits with the transposed embedding matrix (``tie_weights``) or its own
``reverse_embeddings``, optionally soft-capped (``tanh(logits / cap) * cap``).

A layer that is never called in reverse is an ``embedding`` node. One that is reads its matrix
from one trainable ``constant`` in both directions, so the tied weights stay one parameter:
the forward call gathers rows (``take_along_axis``), the reverse call is an einsum."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops.constant import Constant
from nnspec.spec.ops.indexing import TakeAlongAxis
from nnspec.spec.ops.linalg import Einsum
from nnspec.spec.ops.merge import Multiply

from ...contexts import KerasLayerContext
from ..registry import from_layer
from .embedding import embedding

_LETTERS = "abcdefghijklmnopqrstu"


def _reverse(args: tuple, kwargs: dict) -> bool:
    return bool(kwargs.get("reverse") or (len(args) > 1 and args[1]))


def _reversed_anywhere(layer: Any) -> bool:
    return any(_reverse(tuple(n.arguments.args), n.arguments.kwargs) for n in layer._inbound_nodes)


@from_layer("ReversibleEmbedding")
def reversible_embedding(layer, ctx: KerasLayerContext):
    if not _reversed_anywhere(layer):
        return embedding(layer, ctx)
    cfg = ctx.config
    for key in ("lora_rank", "quantization_config"):
        if cfg.get(key):
            raise ctx.refuse(key, "merge or dequantize the weights first")
    if cfg.get("mask_zero"):
        raise ctx.refuse("mask_zero", "a reversed embedding with a padding mask", value=True)
    if _reverse(ctx.call_args, ctx.call_kwargs):
        return _logits(layer, ctx)
    (ids,) = ctx.call_args[:1]
    if not str(ids.dtype).startswith("int"):
        raise ctx.fail(f"token ids of dtype {ids.dtype} (an integer tensor is expected)")
    table = ctx.variable(layer.embeddings, 3)  # (1, vocabulary, features)
    rows = ctx.node(S.ExpandDims, suffix="ids", axis=-1).name
    return ctx.node(TakeAlongAxis, inputs=[table, rows], axis=1)


def _logits(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    (x,) = ctx.call_args[:1]
    if cfg.get("reverse_dtype") not in (None, str(x.dtype)):
        raise ctx.refuse("reverse_dtype", "a cast to another dtype for the logits")
    rank = len(x.shape)
    lead = _LETTERS[: rank - 1]
    if cfg.get("tie_weights", True):
        kernel = ctx.variable(layer.embeddings, 3)  # the forward call's constant
        equation = f"{lead}y,zvy->{lead}v"
    else:
        kernel = ctx.variable(layer.reverse_embeddings, 2)  # (features, vocabulary)
        equation = f"{lead}y,yv->{lead}v"
    cap = cfg.get("logit_soft_cap")
    own = dict(unshared=True)  # a later call of the layer, computing other things
    if cap is None:
        return ctx.node(Einsum, inputs=[ctx.inputs[0], kernel], equation=equation, **own)
    raw = ctx.node(Einsum, suffix="raw", inputs=[ctx.inputs[0], kernel], equation=equation, **own)
    scaled = ctx.node(E.Divide, suffix="capped", inputs=[raw.name], scalar=float(cap), **own)
    tanh = ctx.node(E.Tanh, suffix="tanh", inputs=[scaled.name], **own).name
    value = np.full((1,) * rank, cap, np.float32)
    cap_row = ctx.node(
        Constant,
        suffix="soft_cap",
        inputs=[],
        params={"value": value},
        shape=list(value.shape),
        dtype="float32",
        trainable=False,
        **own,
    ).name
    return ctx.node(Multiply, inputs=[tanh, cap_row], **own)
