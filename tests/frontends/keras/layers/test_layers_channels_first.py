"""Conv and pooling layers with data_format="channels_first": the channels-last node between
two permutes, parity on NCHW inputs.

Shapes keep the channel count apart from the last spatial size: TensorFlow 2.21 on the CPU
(oneDNN) adds a channels-first conv's bias along the last axis when the two are equal (a
Conv2D(5, 2) with a 4x5 output: bias[w] instead of bias[c]), so Keras' own numbers are off
there; nnspec computes the layer as documented."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check, randomise

keras = pytest.importorskip("keras")
layers = keras.layers
CF = dict(data_format="channels_first")


def test_channels_first_image_layers():
    x = keras.Input((3, 8, 9))
    y = layers.Conv2D(4, 3, padding="same", activation="relu", **CF)(x)
    y = layers.ZeroPadding2D((1, 2), **CF)(y)
    y = layers.MaxPooling2D(2, **CF)(y)
    y = layers.DepthwiseConv2D(3, padding="same", **CF)(y)
    y = layers.Conv2D(7, 2, **CF)(y)
    y = layers.UpSampling2D(2, **CF)(y)
    y = layers.Cropping2D(((1, 0), (0, 1)), **CF)(y)
    y = layers.Conv2DTranspose(3, 3, strides=2, padding="same", **CF)(y)
    y = layers.AveragePooling2D(2, strides=1, padding="same", **CF)(y)
    pooled = layers.GlobalAveragePooling2D(**CF)(y)
    kept = layers.GlobalMaxPooling2D(keepdims=True, **CF)(y)
    flat = layers.Dense(2)(layers.Flatten(**CF)(y))
    model = keras.Model(x, [y, pooled, kept, flat])
    randomise(model)
    check(model, [np.random.default_rng(0).normal(size=(2, 3, 8, 9)).astype("float32")])


def test_channels_first_sequence_and_volume_layers():
    seq = keras.Input((3, 10))
    s = layers.Conv1D(4, 3, **CF)(seq)
    s = layers.MaxPooling1D(2, **CF)(s)
    s = layers.GlobalAveragePooling1D(**CF)(s)
    vol = keras.Input((2, 4, 5, 6))
    v = layers.Conv3D(3, 2, **CF)(vol)
    v = layers.AveragePooling3D(2, **CF)(v)
    model = keras.Model([seq, vol], [s, v])
    randomise(model)
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=(2, 3, 10)), rng.normal(size=(2, 2, 4, 5, 6))]
    check(model, [a.astype("float32") for a in arrays])


def test_channels_first_separable_conv_is_refused():
    """TensorFlow's own channels-first and channels-last results differ on a 5x6 input."""
    import nnspec
    from nnspec.spec.errors import ConversionError

    x = keras.Input((3, 5, 6))
    model = keras.Model(x, layers.SeparableConv2D(4, 2, name="sep", **CF)(x))
    with pytest.raises(ConversionError, match=r"'sep' \(SeparableConv2D\).*data_format"):
        nnspec.from_keras(model)
