"""CategoryEncoding, IntegerLookup and Discretization on numeric inputs, every output mode,
values outside the categories included: parity with Keras on two inputs."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check

keras = pytest.importorskip("keras")
layers = keras.layers

MODES = ("int", "one_hot", "multi_hot", "count")


def test_category_encoding_and_integer_lookup():
    ids = keras.Input((4,), dtype="int32", name="ids")
    single = keras.Input((1,), dtype="int32", name="single")
    outs = [layers.CategoryEncoding(6, output_mode=m, name=f"enc_{m}")(ids) for m in MODES[1:]]
    outs.append(layers.CategoryEncoding(6, output_mode="one_hot", name="enc_single")(single))
    vocab = [12, 3, 7, 40]
    for mode in MODES:
        outs.append(
            layers.IntegerLookup(vocabulary=vocab, output_mode=mode, name=f"lk_{mode}")(ids)
        )
    masked = layers.IntegerLookup(vocabulary=vocab, mask_token=0, name="lk_masked")(ids)
    outs.append(masked)
    model = keras.Model([ids, single], outs)
    rng = np.random.default_rng(0)
    pool = np.array([0, 1, 3, 5, 7, 9, 12, 40])  # in and out of both vocabularies
    arrays = [rng.choice(pool, (3, 4)).astype("int32"), rng.integers(0, 8, (3, 1)).astype("int32")]
    check(model, arrays)


def test_discretization():
    x = keras.Input((5,))
    bounds = [-1.0, 0.0, 0.5, 2.0]
    outs = [layers.Discretization(bin_boundaries=bounds, output_mode=m)(x) for m in MODES]
    model = keras.Model(x, outs)
    arrays = [np.array([[-2, -1, 0, 0.49, 0.5], [2, 3, -0.5, 1, 0.0]], dtype="float32")]
    check(model, arrays)
