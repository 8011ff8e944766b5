"""AutoContrast, which runs at inference: per-image, per-channel stretch to the value range,
the input kept where Keras gets NaN (a constant channel); float and uint8 images."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check

keras = pytest.importorskip("keras")
layers = keras.layers


@pytest.mark.parametrize(
    ("value_range", "dtype"),
    [((0, 255), "float32"), ((0, 1), "float32"), ((-1, 1), "float32"), ((0, 255), "uint8")],
    ids=["0_255", "0_1", "symmetric", "uint8"],
)
def test_auto_contrast_parity(value_range, dtype):
    x = keras.Input((5, 6, 3), dtype=dtype)
    model = keras.Model(x, layers.AutoContrast(value_range=value_range)(x))
    rng = np.random.default_rng(0)
    if dtype == "uint8":
        data = rng.integers(0, 255, (2, 5, 6, 3)).astype(dtype)
    else:
        data = rng.uniform(*value_range, (2, 5, 6, 3)).astype(dtype)
    data[0, :, :, 1] = data[0, 0, 0, 1]  # a constant channel: Keras keeps the input there
    spec = check(model, [data])
    assert any(n.op == "where" for n in spec.nodes)
