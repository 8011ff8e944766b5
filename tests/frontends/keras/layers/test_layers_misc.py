"""RMSNormalization, Conv3DTranspose, 1-D adaptive pooling, SpectralNormalization (the stored, normalised kernel)
and ReversibleEmbedding's forward call: parity, parameter counts, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check, randomise

keras = pytest.importorskip("keras")
layers = keras.layers


def test_rms_norm_and_conv3d_transpose():
    x = keras.Input((3, 4, 5, 2))
    y = layers.Conv3DTranspose(3, (2, 3, 2), strides=(2, 1, 2), padding="same")(x)
    y = layers.RMSNormalization(epsilon=1e-3)(y)
    z = layers.Conv3DTranspose(2, 3, activation="relu", name="valid")(x)
    z = layers.RMSNormalization(axis=[-2, -1], name="rms2")(z)
    model = keras.Model(x, [y, z])
    randomise(model)
    arrays = [np.random.default_rng(0).normal(size=(2, 3, 4, 5, 2)).astype("float32")]
    spec = check(model, arrays)
    assert {n.op for n in spec.nodes} == {"conv3d_transpose", "rms_norm"}


def test_spectral_normalization_uses_the_stored_kernel():
    x = keras.Input((6, 6, 3))
    y = layers.SpectralNormalization(layers.Conv2D(4, 3, activation="relu"))(x)
    y = layers.SpectralNormalization(layers.Dense(5), power_iterations=2, name="sn_dense")(
        layers.Flatten()(y)
    )
    model = keras.Model(x, y)
    arrays = [np.random.default_rng(0).normal(size=(2, 6, 6, 3)).astype("float32")]
    model(arrays[0], training=True)  # a training step writes kernel / sigma into the kernel
    u = sum(int(np.prod(w.shape)) for w in model.weights if "vector_u" in w.path)
    spec = check(model, arrays, dropped=u)
    assert [n.op for n in spec.nodes] == ["conv2d", "flatten", "dense"]


def test_reversible_embedding_forward_call():
    ids = keras.Input((5,), dtype="int32")
    model = keras.Model(ids, layers.ReversibleEmbedding(10, 4, tie_weights=True)(ids))
    randomise(model)
    check(model, [np.random.default_rng(0).integers(0, 10, (2, 5)).astype("int32")])


# ReversibleEmbedding's reverse call: test_layers_reversible_embedding.py


def test_adaptive_pooling_1d():
    x = keras.Input((7, 3))
    y = layers.AdaptiveAveragePooling1D(3)(layers.Dense(4)(x))
    z = layers.AdaptiveMaxPooling1D(2)(x)
    model = keras.Model(x, [y, z])
    randomise(model)
    spec = check(model, [np.random.default_rng(0).normal(size=(2, 7, 3)).astype("float32")])
    assert "adaptive_max_pool2d" in {n.op for n in spec.nodes}
