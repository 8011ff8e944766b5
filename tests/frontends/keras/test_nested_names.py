"""A nested model's layers are named ``<model>_<layer>``; when that name is taken by an outer
layer, the namespace gives the next one (``_1``) and the numbers stay the Keras model's."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, random_weights, run_keras, run_torch, torch_param_count

import nnspec

keras = pytest.importorskip("keras")
pytest.importorskip("torch")
layers = keras.layers


def test_prefixed_name_taken_by_an_outer_layer():
    inner = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="dense")], name="inner")
    x = keras.Input((4,), name="x")
    a = layers.Dense(4, name="inner_dense")(x)
    model = keras.Model(x, layers.Dense(2, name="head")(inner(a)), name="outer")
    random_weights(model)
    spec = nnspec.from_keras(model)
    names = [n.name for n in spec.nodes]
    assert sorted(names) == ["head", "inner_dense", "inner_dense_1"]
    arrays = [np.random.default_rng(0).normal(size=(3, 4)).astype("float32")]
    module = nnspec.to_torch(spec)
    assert_close(run_keras(model, arrays), run_torch(module, arrays))
    assert spec.count_params() == model.count_params() == torch_param_count(module)
