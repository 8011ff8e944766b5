"""The generated module is a PyTorch module a person can own: the saved file and state dict
load in a fresh process, and ``train()`` trains as Keras does (batch-norm momentum, dropout)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from helpers import random_inputs, random_params, run_torch

import nnspec
from nnspec.backends.torch.codegen import generate

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

SPEC = """
nnspec: 1
name: small
inputs:
  image: {shape: [batch, 8, 8, 3]}
nodes:
  - {op: conv2d, name: conv, filters: 4, kernel_size: 3, padding: same}
  - {op: batch_norm, name: bn, momentum: 0.9}
  - {op: activation, name: act, activation: relu}
  - {op: dropout, name: drop, rate: 0.5}
  - {op: flatten, name: flat}
  - {op: dense, name: logits, units: 3}
"""


@pytest.fixture
def model():
    m = nnspec.loads(SPEC)
    m.params = random_params(m)
    return m


def test_saved_file_and_weights_load_without_nnspec(model, tmp_path):
    src = generate(model)
    path = tmp_path / "small_model.py"
    path.write_text(src.source, encoding="utf-8")
    weights = tmp_path / "small_model.safetensors"
    safetensors_torch.save_file(
        {k: torch.from_numpy(v) for k, v in src.state_dict.items()}, weights
    )
    spec = importlib.util.spec_from_file_location("small_model", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert not any(name.startswith("nnspec") for name in vars(mod))
    module = getattr(mod, src.class_name)()
    module.load_state_dict(safetensors_torch.load_file(weights))
    module.eval()
    x = random_inputs(model, [(2, 8, 8, 3)])
    np.testing.assert_allclose(run_torch(module, x)[0], run_torch(nnspec.to_torch(model), x)[0])


def test_train_mode_updates_batch_norm_with_keras_momentum(model):
    module = nnspec.to_torch(model)
    bn = module.bn
    assert bn.momentum == pytest.approx(0.1)  # Keras keeps 0.9 of the old statistic
    before = bn.running_mean.clone()
    x = torch.from_numpy(random_inputs(model, [(4, 8, 8, 3)])[0])
    module.train()
    conv = module.conv(x.permute(0, 3, 1, 2))
    module(x)
    want = 0.9 * before + 0.1 * conv.mean(dim=(0, 2, 3))
    torch.testing.assert_close(bn.running_mean, want.detach())


def test_train_mode_drops_units_and_trains(model):
    module = nnspec.to_torch(model)
    x = torch.from_numpy(random_inputs(model, [(4, 8, 8, 3)])[0])
    module.train()
    torch.manual_seed(0)
    a, b = module(x), module(x)
    assert not torch.allclose(a, b)  # dropout is active
    optimiser = torch.optim.SGD(module.parameters(), lr=0.1)
    loss = module(x).square().mean()
    loss.backward()
    optimiser.step()
    assert all(p.grad is not None for p in module.parameters() if p.requires_grad)
    module.eval()
    torch.testing.assert_close(module(x), module(x))
