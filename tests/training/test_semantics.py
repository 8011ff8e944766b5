"""Train-mode semantics: batch norm statistics, frozen layers, dropout and noise in
``module.train()``, and what torch_training refuses."""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_same_training, batches

import nnspec

torch = pytest.importorskip("torch")


def _spec(nodes: str, training: str, shape="[batch, 2, 2, 3]"):
    return nnspec.loads(
        f"nnspec: 1\nname: m\ninputs: {{x: {{shape: {shape}}}}}\nnodes:\n{nodes}\ntraining:\n{training}"
    )


BN = """  - {op: batch_norm, name: bn, momentum: 0.9}
  - {op: global_avg_pool2d}
  - {op: dense, units: 2, name: out}
"""
SGD_MSE = "  optimizer: {name: sgd, learning_rate: 0.1}\n  loss: {name: mean_squared_error}\n"


def _mse_targets(rng, batch):
    return rng.normal(size=(batch, 2)).astype(np.float32)


def test_batch_norm_moving_statistics_match_keras():
    """Batches of 2 x 2 x 2 cells per channel: PyTorch's unbiased variance would differ by 8/7."""
    spec = _spec(BN, SGD_MSE)
    assert_same_training(spec, batches(spec, _mse_targets, 5, batch=2), tolerance=1e-5)


def test_frozen_batch_norm_stays_in_inference_mode_and_unchanged():
    spec = _spec(BN, SGD_MSE + "  frozen: [bn]\n")
    module = nnspec.to_torch(spec)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    setup = nnspec.torch_training(spec, module)
    for xs, y in batches(spec, _mse_targets, 3, batch=4):
        setup.step([torch.from_numpy(x) for x in xs], torch.from_numpy(y))
    after = module.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed and all(not k.startswith(tuple(_bn_attrs(module))) for k in changed), changed
    assert_same_training(spec, batches(spec, _mse_targets, 3, batch=4))


def _bn_attrs(module):
    from nnspec.backends.torch.training.parameters import node_ids

    return [a for a, n in node_ids(module).items() if n == "bn"]


def test_training_leaves_the_spec_weights_alone():
    spec = _spec(BN, SGD_MSE)
    from nnspec.backends.codegen_common import checked_analysis, model_params

    spec.params = {k: v.copy() for k, v in model_params(spec, checked_analysis(spec)).items()}
    kept = {k: v.copy() for k, v in spec.params.items()}
    module = nnspec.to_torch(spec)
    setup = nnspec.torch_training(spec, module)
    for xs, y in batches(spec, _mse_targets, 2, batch=4):
        setup.step([torch.from_numpy(x) for x in xs], torch.from_numpy(y))
    for k, v in kept.items():
        np.testing.assert_array_equal(spec.params[k], v, err_msg=k)
