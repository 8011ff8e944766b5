"""MultiHeadAttention with padding masks (Keras masks of query/value/key, attention_mask,
causal), with any attention_axes, and GroupedQueryAttention: parity on padded batches, both
of Keras' routes (dot_product_attention; einsum with a masked softmax when dropout > 0)."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check, randomise

keras = pytest.importorskip("keras")
layers = keras.layers
ops = keras.ops

# Padded batches: trailing zeros, one row padded from the second token on.
IDS = np.array([[3, 5, 2, 0, 0, 0], [7, 1, 4, 4, 9, 2], [6, 0, 0, 0, 0, 0]], dtype="int32")


def _embedded(name="ids"):
    ids = keras.Input((6,), dtype="int32", name=name)
    return ids, layers.Embedding(10, 8, mask_zero=True)(ids)


def test_padding_masks_through_both_routes_and_causal():
    """Several attention layers on one masked tensor: Keras' MultiHeadAttention takes the
    mask off its inputs when it runs, so only the first one run (Keras runs a depth's layers
    last-built first: 'causal') applies it, and the conversion must give those numbers."""
    ids, x = _embedded()
    fast = layers.MultiHeadAttention(2, 4, name="fast")(x, x)
    einsum = layers.MultiHeadAttention(2, 3, dropout=0.1, name="slow")(x, x)
    causal = layers.MultiHeadAttention(2, 4, name="causal")(x, x, use_causal_mask=True)
    grouped = layers.GroupQueryAttention(4, 4, 2, name="grouped")(x, x, use_causal_mask=True)
    gq_drop = layers.GroupQueryAttention(4, 4, 1, dropout=0.2, name="gq_drop")(x, x)
    outs = [layers.Dense(3)(t) for t in (fast, einsum, causal, grouped, gq_drop)]
    model = keras.Model(ids, outs)
    randomise(model)
    check(model, [IDS])


def test_explicit_attention_mask_combined_with_logical_or_and_cross_attention():
    ids, x = _embedded()
    memory = keras.Input((4, 5), name="memory")
    a = keras.Input((6, 4), dtype="bool", name="a")
    b = keras.Input((6, 4), dtype="bool", name="b")
    mask = ops.logical_or(a, b)
    y = layers.MultiHeadAttention(2, 4, value_dim=3, name="cross")(x, memory, attention_mask=mask)
    model = keras.Model([ids, memory, a, b], layers.Dense(2)(y))
    randomise(model)
    rng = np.random.default_rng(0)
    arrays = [
        IDS,
        rng.normal(size=(3, 4, 5)).astype("float32"),
        rng.random((3, 6, 4)) > 0.6,
        rng.random((3, 6, 4)) > 0.6,
    ]
    check(model, arrays)


def test_attention_axes_over_an_image():
    x = keras.Input((4, 5, 6))
    y = layers.MultiHeadAttention(2, 3, attention_axes=(1, 2), name="spatial")(x, x)
    z = layers.MultiHeadAttention(2, 3, attention_axes=(2,), output_shape=4, name="rows")(x, x)
    model = keras.Model(x, [y, z])
    randomise(model)
    check(model, [np.random.default_rng(0).normal(size=(2, 4, 5, 6)).astype("float32")])
