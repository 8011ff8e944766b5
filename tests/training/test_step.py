"""``step`` puts the L1/L2 penalties' gradients straight into ``.grad``: the same loss and the
same gradients as ``loss(...).backward()``, bit for bit, and the same loss, on two different
batches."""

from __future__ import annotations

import numpy as np
import pytest

import nnspec

torch = pytest.importorskip("torch")

SPEC = """\
nnspec: 1
name: m
inputs: {x: {shape: [batch, 5]}}
nodes:
  - {op: dense, name: hidden, units: 4, activation: tanh}
  - {op: dense, name: out, units: 3, activation: softmax}
training:
  optimizer: {name: sgd, learning_rate: 0.1}
  loss: {name: categorical_crossentropy}
"""
MIXED = """\
  regularizers:
    hidden: {kernel: {l1: 0.01, l2: 0.02}, bias: {l2: 0.5}}
    out: {kernel: {l1: 0.03}}
"""
# the step's shortcuts: no penalty at all, and one kind only (each weight's one term)
REGULARIZERS = {
    "mixed": MIXED,
    "none": "",
    "l2_only": "  regularizers:\n    hidden: {kernel: {l2: 0.02}}\n    out: {bias: {l2: 0.5}}\n",
}


@pytest.mark.parametrize(
    ("seed", "regularizers"), [(0, "mixed"), (1, "mixed"), (0, "none"), (0, "l2_only")]
)
def test_step_gradients_and_loss_are_those_of_loss_backward(seed, regularizers):
    spec = nnspec.loads(SPEC + REGULARIZERS[regularizers])
    rng = np.random.default_rng(seed)
    x = torch.from_numpy(rng.normal(size=(6, 5)).astype(np.float32))
    y = torch.from_numpy(np.eye(3, dtype=np.float32)[rng.integers(0, 3, 6)])
    stepped, manual = nnspec.to_torch(spec, seed=0), nnspec.to_torch(spec, seed=0)
    by_hand = nnspec.torch_training(spec, manual)
    by_hand.optimizer.zero_grad()
    expected = by_hand.loss(manual(x), y)
    expected.backward()
    training = nnspec.torch_training(spec, stepped)
    seen = {}
    training.optimizer.register_step_pre_hook(
        lambda opt, args, kwargs: seen.update(
            {n: p.grad.clone() for n, p in stepped.named_parameters()}
        )
    )
    loss = training.step(x, y)
    # the penalties' value is summed in another order: equal to float32 rounding
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    grads = {n: p.grad for n, p in manual.named_parameters()}
    assert seen.keys() == grads.keys() and len(seen) == 4
    for name, grad in grads.items():
        assert torch.equal(seen[name], grad), name
