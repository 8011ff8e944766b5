"""Adaptive pooling in 3-D (two 2-D pools between reshapes), and adaptive pooling, Resizing
and CenterCrop with data_format="channels_first": parity on two inputs."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check, randomise

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
layers = keras.layers

CASES = {
    "avg3d": ((5, 7, 6, 3), lambda: layers.AdaptiveAveragePooling3D((2, 3, 4))),
    "max3d": ((5, 7, 6, 3), lambda: layers.AdaptiveMaxPooling3D((3, 2, 4))),
    "avg3d_one_size": ((4, 4, 4, 2), lambda: layers.AdaptiveAveragePooling3D(2)),
    "max3d_channels_first": (
        (3, 5, 7, 6),
        lambda: layers.AdaptiveMaxPooling3D((2, 3, 4), data_format="channels_first"),
    ),
    "avg2d_channels_first": (
        (3, 5, 7),
        lambda: layers.AdaptiveAveragePooling2D((2, 3), data_format="channels_first"),
    ),
    "max1d_channels_first": (
        (3, 7),
        lambda: layers.AdaptiveMaxPooling1D(3, data_format="channels_first"),
    ),
    "resizing_channels_first": (
        (3, 5, 7),
        lambda: layers.Resizing(4, 9, data_format="channels_first"),
    ),
    "resizing_nearest_channels_first": (
        (3, 5, 7),
        lambda: layers.Resizing(8, 3, interpolation="nearest", data_format="channels_first"),
    ),
    "center_crop_channels_first": (
        (3, 5, 7),
        lambda: layers.CenterCrop(3, 4, data_format="channels_first"),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_parity(name):
    shape, make = CASES[name]
    x = keras.Input(shape)
    model = keras.Model(x, make()(x))
    randomise(model)
    check(model, [np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")])


def test_adaptive_pool3d_width_one_refused():
    x = keras.Input((4, 4, 1, 2))
    model = keras.Model(x, layers.AdaptiveMaxPooling3D(2)(x))
    with pytest.raises(ConversionError, match=r"adaptive_max_pooling3d.*width 1"):
        nnspec.from_keras(model)
