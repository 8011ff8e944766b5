"""Integer model inputs: images saved as uint8 (and int8 / int16 inputs) convert with parity
and keep their dtype; a dtype the spec has none of is refused by input name in one line."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check, randomise

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
layers = keras.layers


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16"])
def test_integer_image_input(dtype):
    x = keras.Input((6, 6, 3), dtype=dtype, name="image")
    y = layers.Conv2D(2, 3)(layers.Rescaling(1 / 255, offset=-0.5)(x))
    z = layers.Dense(2)(keras.ops.cast(x, "float32"))  # a cast in the model's own code
    model = keras.Model(x, [y, z])
    randomise(model)
    data = np.random.default_rng(1).integers(0, 120, (2, 6, 6, 3)).astype(dtype)
    spec = check(model, [data])
    assert spec.inputs["image"].dtype == dtype
    assert nnspec.from_keras(nnspec.to_keras(spec)).inputs["image"].dtype == dtype


def test_unknown_input_dtype_refused_by_name():
    x = keras.Input((4,), dtype="uint16", name="pixels")
    with pytest.raises(ConversionError) as e:
        nnspec.from_keras(keras.Model(x, layers.Rescaling(2.0)(x)))
    text = str(e.value)
    assert "input 'pixels'" in text and "'uint16'" in text and "uint8" in text
    assert "pydantic" not in text and "validation error" not in text
