"""Every optimizer, option, schedule and loss of the training section on a small model:
PyTorch's training steps (nnspec.torch_training) against Keras' train_on_batch."""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_same_training, batches

import nnspec

pytest.importorskip("keras")
torch = pytest.importorskip("torch")

SCHEDULE = (
    "{schedule: exponential_decay, initial_learning_rate: 0.05, decay_steps: 3, decay_rate: 0.7}"
)
OPTIMIZERS = {
    "sgd": "{name: sgd, learning_rate: 0.1}",
    "sgd_momentum": "{name: sgd, learning_rate: 0.05, momentum: 0.9}",
    "sgd_nesterov": f"{{name: sgd, learning_rate: {SCHEDULE}, momentum: 0.8, nesterov: true}}",
    "adam": f"{{name: adam, learning_rate: {SCHEDULE}}}",
    "adam_amsgrad_eps": "{name: adam, learning_rate: 0.01, amsgrad: true, epsilon: 0.01, beta_2: 0.9}",
    "adamw": f"{{name: adamw, learning_rate: {SCHEDULE}, weight_decay: 0.05}}",
    "rmsprop": "{name: rmsprop, learning_rate: 0.01, rho: 0.8}",
    "rmsprop_centered_momentum": "{name: rmsprop, learning_rate: 0.01, centered: true, momentum: 0.5}",
    "adagrad": "{name: adagrad, learning_rate: 0.1, initial_accumulator_value: 0.5}",
    "nadam": f"{{name: nadam, learning_rate: {SCHEDULE}}}",
    "sgd_weight_decay": "{name: sgd, learning_rate: 0.1, weight_decay: 0.1}",
    "clipnorm": "{name: sgd, learning_rate: 0.5, clipnorm: 0.05}",
    "global_clipnorm": "{name: adam, learning_rate: 0.01, global_clipnorm: 0.05}",
    "clipvalue": "{name: sgd, learning_rate: 0.5, clipvalue: 0.01}",
    "cosine_warmup": "{name: sgd, learning_rate: {schedule: cosine_decay, initial_learning_rate: 0.01, "
    "decay_steps: 5, warmup_target: 0.2, warmup_steps: 3, alpha: 0.1}}",
    "piecewise": "{name: sgd, learning_rate: {schedule: piecewise_constant, boundaries: [2, 5], "
    "values: [0.1, 0.05, 0.01]}}",
}


def _model(optimizer: str, loss: str, activation: str, units: int = 3) -> nnspec.Model:
    return nnspec.loads(f"""
nnspec: 1
name: small
inputs: {{x: {{shape: [batch, 6]}}}}
nodes:
  - {{op: dense, units: 5, activation: tanh, name: hidden}}
  - {{op: dense, units: {units}, activation: {activation}, name: out}}
training:
  optimizer: {optimizer}
  loss: {loss}
  regularizers: {{hidden: {{kernel: {{l2: 0.01}}}}, out: {{bias: {{l1: 0.01, l2: 0.001}}}}}}
""")


def _onehot(rng, batch):
    return np.eye(3, dtype=np.float32)[rng.integers(0, 3, batch)]


# A few optimizers in the default suite; every option and schedule with -m slow.
FAST = {"adam", "rmsprop_centered_momentum", "nadam"}


def _params(names, fast):
    return [pytest.param(n, marks=() if n in fast else pytest.mark.slow) for n in names]


@pytest.mark.parametrize("optimizer", _params(OPTIMIZERS, FAST))
def test_optimizer_matches_keras(optimizer):
    spec = _model(OPTIMIZERS[optimizer], "{name: categorical_crossentropy}", "softmax")
    assert_same_training(spec, batches(spec, _onehot, 10))


def _normal(units):
    return lambda rng, batch: rng.normal(size=(batch, units)).astype(np.float32)


def _binary(rng, batch):
    return rng.integers(0, 2, (batch, 3)).astype(np.float32)


def _sparse(rng, batch):
    return rng.integers(0, 3, (batch,)).astype(np.int64)


LOSSES = {
    "mse": ("{name: mean_squared_error}", "linear", _normal(3)),
    "mae": ("{name: mean_absolute_error}", "linear", _normal(3)),
    "huber": ("{name: huber, delta: 0.5}", "linear", _normal(3)),
    "mse_sum": ("{name: mean_squared_error, reduction: sum}", "linear", _normal(3)),
    "cce_probs": ("{name: categorical_crossentropy}", "softmax", _onehot),
    "cce_logits_smoothing": (
        "{name: categorical_crossentropy, from_logits: true, label_smoothing: 0.1}",
        "linear",
        _onehot,
    ),
    "sparse_probs": ("{name: sparse_categorical_crossentropy}", "softmax", _sparse),
    "sparse_logits": (
        "{name: sparse_categorical_crossentropy, from_logits: true}",
        "linear",
        _sparse,
    ),
    "bce_probs": ("{name: binary_crossentropy, label_smoothing: 0.2}", "sigmoid", _binary),
    "bce_logits": ("{name: binary_crossentropy, from_logits: true}", "linear", _binary),
}


@pytest.mark.parametrize("loss", _params(LOSSES, {"cce_probs", "sparse_probs", "bce_logits"}))
def test_loss_matches_keras(loss):
    text, activation, targets = LOSSES[loss]
    spec = _model("{name: adam, learning_rate: 0.01}", text, activation)
    assert_same_training(spec, batches(spec, targets, 10))


def test_keras_adam_is_not_torch_adam():
    """The trap this module exists for: the same hyperparameters in torch.optim.Adam give
    different weights after a few steps (epsilon on the bias-corrected sqrt(v))."""
    spec = _model(
        "{name: adam, learning_rate: 0.01, epsilon: 0.001}", "{name: mean_squared_error}", "linear"
    )
    data = batches(spec, _normal(3), 5)
    ours, theirs = nnspec.to_torch(spec), nnspec.to_torch(spec)
    setup = nnspec.torch_training(spec, ours)
    plain = torch.optim.Adam(theirs.parameters(), lr=0.01, eps=0.001)
    for xs, y in data:
        setup.step([torch.from_numpy(xs[0])], torch.from_numpy(y))
        plain.zero_grad()
        setup.loss(theirs(torch.from_numpy(xs[0])), torch.from_numpy(y)).backward()
        plain.step()
    diff = max((a - b).abs().max().item() for a, b in zip(ours.parameters(), theirs.parameters()))
    assert diff > 1e-4


def test_schedules_match_keras():
    import keras

    from nnspec.spec.training import CosineDecay, ExponentialDecay, PiecewiseConstant

    pairs = [
        (
            ExponentialDecay(
                schedule="exponential_decay",
                initial_learning_rate=0.1,
                decay_steps=3,
                decay_rate=0.5,
                staircase=True,
            ),
            keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True),
        ),
        (
            CosineDecay(
                schedule="cosine_decay",
                initial_learning_rate=0.01,
                decay_steps=7,
                alpha=0.2,
                warmup_target=0.1,
                warmup_steps=4,
            ),
            keras.optimizers.schedules.CosineDecay(
                0.01, 7, alpha=0.2, warmup_target=0.1, warmup_steps=4
            ),
        ),
        (
            PiecewiseConstant(
                schedule="piecewise_constant", boundaries=[2, 5], values=[1.0, 0.5, 0.1]
            ),
            keras.optimizers.schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]),
        ),
    ]
    for ours, theirs in pairs:
        expected = [float(theirs(step)) for step in range(15)]
        np.testing.assert_allclose([ours(step) for step in range(15)], expected, rtol=1e-6)
