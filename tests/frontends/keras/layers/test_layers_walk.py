"""Every class keras.layers exports is converted or refused with a reason, and a model with
several refused layers gets one message naming each (name, class, reason)."""

from __future__ import annotations

import inspect

import pytest

import nnspec
from nnspec.frontends.keras.registry import REFUSED, supported
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
layers = keras.layers

_SKIPPED = {"InputLayer"}  # the graph's inputs, not a computation


def _exported_layer_classes() -> dict[str, type]:
    return {
        name: cls
        for name, cls in vars(layers).items()
        if inspect.isclass(cls) and issubclass(cls, keras.layers.Layer)
    }


def test_every_keras_layer_is_converted_or_refused_with_a_reason():
    known = supported()
    missing = sorted(
        f"{name} ({cls.__name__})"
        for name, cls in _exported_layer_classes().items()
        if cls.__name__ not in known | set(REFUSED) | _SKIPPED
    )
    assert not missing, f"{len(missing)} keras.layers classes have neither: {missing}"
    both = sorted(n for n in known & set(REFUSED))
    assert not both, f"both converted and refused: {both}"
    assert all(len(why) > 20 for why in REFUSED.values())


def test_refusals_name_every_layer_with_its_class_and_reason():
    ids = keras.Input((5,), dtype="int32", name="ids")
    image = keras.Input((8, 8, 3), name="image")
    hashed = layers.Hashing(num_bins=4, name="bucket")(ids)
    contrast = layers.ContrastLimitedAdaptiveHistogramEqualization(name="contrast")(image)
    out = layers.Concatenate()([layers.Flatten()(contrast), layers.CategoryEncoding(4)(hashed)])
    model = keras.Model([ids, image], out)
    with pytest.raises(ConversionError) as e:
        nnspec.from_keras(model)
    text = str(e.value)
    assert "2 unsupported layer(s)" in text
    assert f"'bucket' (Hashing): {REFUSED['Hashing']}" in text
    clahe = "ContrastLimitedAdaptiveHistogramEqualization"
    assert f"'contrast' ({clahe}): {REFUSED[clahe]}" in text
