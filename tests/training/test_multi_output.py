"""Per-output losses and loss weights on a two-output model."""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_same_training, batches

import nnspec

pytest.importorskip("keras")
pytest.importorskip("torch")

SPEC = """
nnspec: 1
name: two_heads
inputs: {x: {shape: [batch, 6]}}
nodes:
  - {op: dense, units: 8, activation: tanh, name: trunk}
  - {op: dense, units: 3, activation: softmax, name: label, inputs: [trunk]}
  - {op: dense, units: 2, name: value, inputs: [trunk]}
outputs: [label, value]
training:
  optimizer: {name: adam, learning_rate: 0.01}
  loss:
    label: {name: categorical_crossentropy}
    value: {name: huber, delta: 0.5}
  loss_weights: {label: 1.0, value: 0.3}
  metrics: {label: [categorical_accuracy], value: [mean_absolute_error]}
  regularizers: {trunk: {kernel: {l2: 0.01}}}
"""


def _targets(rng, batch):
    label = np.eye(3, dtype=np.float32)[rng.integers(0, 3, batch)]
    return [label, rng.normal(size=(batch, 2)).astype(np.float32)]


def test_per_output_losses_and_weights_match_keras():
    spec = nnspec.loads(SPEC)
    assert_same_training(spec, batches(spec, _targets, 10))


def test_metrics_are_named_per_output():
    spec = nnspec.loads(SPEC)
    setup = nnspec.torch_training(spec, nnspec.to_torch(spec))
    assert set(setup.metrics) == {"label_categorical_accuracy", "value_mean_absolute_error"}
