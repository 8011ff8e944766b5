"""Seeded initialisation: a spec without weights builds bit-identical tensors in both
frameworks with a seed, and draws from the spec's initialiser distributions without one."""

from __future__ import annotations

import math

import numpy as np
import pytest
from parity import state

import nnspec

pytest.importorskip("keras")
pytest.importorskip("torch")

SPEC = """
nnspec: 1
name: init
inputs: {x: {shape: [batch, 12, 8]}}
nodes:
  - {op: lstm, units: 16, return_sequences: true, name: lstm}
  - {op: flatten}
  - {op: dense, units: 64, name: wide, kernel_initializer: glorot_uniform}
  - {op: dense, units: 32, name: he, kernel_initializer: he_normal}
"""


def test_seed_gives_identical_tensors_in_both_frameworks():
    spec = nnspec.loads(SPEC)
    from_torch = state(nnspec.to_torch(spec, seed=0))
    keras_model = nnspec.to_keras(spec, seed=0)
    from_keras = state(nnspec.to_torch(nnspec.from_keras(keras_model)))
    assert from_torch.keys() == from_keras.keys()
    for k in from_torch:
        np.testing.assert_array_equal(from_torch[k], from_keras[k], err_msg=k)
    other = state(nnspec.to_torch(spec, seed=1))
    assert any(not np.array_equal(other[k], from_torch[k]) for k in other)


def test_without_a_seed_values_follow_the_initialisers():
    spec = nnspec.loads(SPEC)
    a, b = nnspec.to_keras(spec, seed=None), nnspec.to_keras(spec, seed=None)
    wide_a = np.asarray(a.get_layer("wide").kernel)
    assert not np.array_equal(wide_a, np.asarray(b.get_layer("wide").kernel))
    fan_in, fan_out = wide_a.shape
    limit = math.sqrt(6.0 / (fan_in + fan_out))  # glorot_uniform: U(-limit, limit)
    assert np.abs(wide_a).max() <= limit
    np.testing.assert_allclose(wide_a.var(), limit**2 / 3, rtol=0.05)
    module = nnspec.to_torch(spec, seed=None)
    he = next(p for n, p in module.named_parameters() if p.shape == (32, 64)).detach().numpy()
    std = math.sqrt(2.0 / 64)  # he_normal: truncated at two standard deviations of N(0, std)
    np.testing.assert_allclose(he.std(), std, rtol=0.1)
    assert np.abs(he).max() <= 2 * std / 0.87962566103423978
    recurrent = np.asarray(a.get_layer("lstm").weights[1])  # orthogonal, (16, 64)
    gram = recurrent @ recurrent.T
    np.testing.assert_allclose(gram, np.eye(recurrent.shape[0]), atol=1e-5)
