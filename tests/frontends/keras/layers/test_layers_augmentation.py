"""Augmentation layers are identities at inference (a cast where Keras casts), with parity;
RandomCrop only when its input already has the crop size."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check

import nnspec
from nnspec.frontends.keras.layers.augmentation import AUGMENTATION
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
layers = keras.layers

_ARGS = {
    "RandomRotation": dict(factor=0.2),
    "RandomTranslation": dict(height_factor=0.2, width_factor=0.2),
    "RandomZoom": dict(height_factor=0.2),
    "RandomContrast": dict(factor=0.5),
    "RandomBrightness": dict(factor=0.3),
    "RandomColorDegeneration": dict(factor=0.5),
    "RandomColorJitter": dict(brightness_factor=0.2),
    "RandomHue": dict(factor=0.5, value_range=(0, 255)),
    "RandomPosterization": dict(factor=(1, 4)),
    "RandomSaturation": dict(factor=0.5),
    "RandomSharpness": dict(factor=0.5),
    "RandomShear": dict(x_factor=0.3),
    "Solarization": dict(addition_factor=0.3, threshold_factor=0.3),
    "MaxNumBoundingBoxes": dict(max_number=3),
}
# Equalization's symbolic call returns its input tensor itself, so it never enters a graph.
CHAINED = [name for name in AUGMENTATION if name != "Equalization"]
_IMAGES = np.random.default_rng(0).uniform(0, 255, (2, 12, 12, 3)).astype("float32")


def _model(layer):
    x = keras.Input((12, 12, 3))
    return keras.Model(x, layers.Conv2D(2, 3)(layer(x)))


def test_all_augmentation_layers_at_once():
    """One model through every augmentation layer: one conversion instead of 26."""
    x = keras.Input((12, 12, 3))
    y = x
    for name in CHAINED:
        y = getattr(layers, name)(**_ARGS.get(name, {}))(y)
    y = layers.RandomCrop(12, 12)(y)
    model = keras.Model(x, layers.Conv2D(2, 3)(y))
    spec = check(model, [_IMAGES])
    assert [n.op for n in spec.nodes].count("identity") == len(CHAINED) + 1


def test_integer_images_are_cast_as_keras_casts_them():
    x = keras.Input((12, 12, 3), dtype="int32")
    model = keras.Model(x, layers.Conv2D(2, 3)(layers.RandomFlip()(x)))
    spec = check(model, [_IMAGES.astype("int32")])
    assert spec.nodes[0].op == "cast"


def test_random_crop_of_another_size_is_refused():
    with pytest.raises(ConversionError, match=r"'crop' \(RandomCrop\).*12x12.*8x8"):
        nnspec.from_keras(_model(layers.RandomCrop(8, 8, name="crop")))


def test_training_true_in_the_graph_is_overridden_at_inference():
    x = keras.Input((12, 12, 3))
    model = keras.Model(x, layers.Conv2D(2, 3)(layers.RandomFlip(seed=1)(x, training=True)))
    check(model, [_IMAGES])  # predict and training=False override the recorded True
