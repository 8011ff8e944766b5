"""Keras masks into GlobalAveragePooling1D (the mean over the kept steps), Softmax and
BatchNormalization, from Embedding(mask_zero=True), Masking, and through attention (whose
output carries the query's mask): parity on padded batches."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check, randomise

keras = pytest.importorskip("keras")
layers = keras.layers

IDS = np.array([[3, 5, 2, 0, 0, 0], [7, 1, 4, 4, 9, 2], [6, 0, 0, 0, 0, 0]], dtype="int32")


def test_masked_average_softmax_batch_norm_and_attention():
    ids = keras.Input((6,), dtype="int32")
    x = layers.Embedding(10, 6, mask_zero=True)(ids)
    pooled = layers.GlobalAveragePooling1D(name="pooled")(layers.BatchNormalization()(x))
    attended = layers.MultiHeadAttention(2, 3, name="mha")(x, x)  # keeps the query's mask
    after_attention = layers.GlobalAveragePooling1D(keepdims=True, name="after")(attended)
    probs = layers.Softmax(axis=-1, name="probs")(x)  # Keras broadcasts (B, T) over (B, T, 6)
    model = keras.Model(ids, [pooled, after_attention, probs])
    randomise(model)
    check(model, [IDS])


def test_masking_layer_into_average():
    x = keras.Input((5, 3))
    y = layers.GlobalAveragePooling1D()(layers.Dense(4)(layers.Masking(0.0)(x)))
    model = keras.Model(x, y)
    randomise(model)
    data = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    data[0, 3:] = 0.0  # padded steps
    check(model, [data])
