"""EinsumDense with any equation: einsum with its kernel, bias over the trailing axes Keras
broadcasts it over, activation; parity and parameter counts."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check, randomise

keras = pytest.importorskip("keras")
layers = keras.layers

CASES = {
    "dense_like": (dict(equation="ab,bc->ac", output_shape=4, bias_axes="c"), (6,)),
    "ellipsis": (dict(equation="...b,bc->...c", output_shape=4, activation="gelu"), (3, 6)),
    "heads": (dict(equation="abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de"), (5, 6)),
    "bias_middle": (dict(equation="abc,cd->abd", output_shape=(5, 4), bias_axes="b"), (5, 6)),
    "contract_time": (dict(equation="abc,bd->adc", output_shape=(4, 6)), (5, 6)),
    "layer_scale": (dict(equation="...c,c->...c", output_shape=6), (3, 6)),
}


def test_einsum_dense_equations():
    """Every case in one model with one output each (one conversion, one failure per case
    name in the message)."""
    rng = np.random.default_rng(3)
    inputs, outputs, arrays = [], [], []
    for name, (kwargs, shape) in CASES.items():
        x = keras.Input(shape, name=f"x_{name}")
        inputs.append(x)
        outputs.append(layers.EinsumDense(**kwargs, name=name)(x))
        arrays.append(rng.normal(size=(2, *shape)).astype("float32"))
    model = keras.Model(inputs, outputs)
    randomise(model)
    spec = check(model, arrays)
    assert {n.name: n.op for n in spec.nodes}["layer_scale"] == "layer_scale"
    assert {n.name: n.op for n in spec.nodes}["heads_einsum"] == "einsum"
