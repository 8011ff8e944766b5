"""Train a spec in both frameworks on the same batches and compare the weights afterwards.

The trained Keras model is read back into a spec and rebuilt as a PyTorch module, so both
trained models are compared as modules generated from one spec structure (their state dicts
have the same keys): weights are compared by value, whatever the module's attribute names.
"""

from __future__ import annotations

import numpy as np
import torch

import nnspec

TOLERANCE = 2e-4  # float32, accumulated over ten steps


def batches(spec, targets_fn, n: int, batch: int = 8, seed: int = 3):
    """``n`` (inputs, targets) batches of numpy arrays for the spec's inputs."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        xs = []
        for s in spec.inputs.values():
            shape = [batch, *s.shape[1:]]
            if s.dtype.startswith("int"):
                xs.append(rng.integers(1, 20, shape).astype(s.dtype))
            else:
                xs.append(rng.normal(0.0, 1.0, shape).astype(np.float32))
        out.append((xs, targets_fn(rng, batch)))
    return out


def train_torch(spec, data, checkpoints=()):
    module = nnspec.to_torch(spec)
    setup = nnspec.torch_training(spec, module)
    losses, states = [], {}
    for i, (xs, y) in enumerate(data, 1):
        ys = [torch.from_numpy(t) for t in y] if isinstance(y, list) else torch.from_numpy(y)
        loss = setup.step([torch.from_numpy(x) for x in xs], ys)
        losses.append(float(loss))
        if i in checkpoints:
            states[i] = state(module)
    return module, losses, states


def train_keras(spec, data, checkpoints=()):
    """Keras' own training step; at each checkpoint, its weights as a generated module's."""
    model = nnspec.to_keras(spec)
    losses, states = [], {}
    for i, (xs, y) in enumerate(data, 1):
        result = model.train_on_batch(xs[0] if len(xs) == 1 else xs, y, return_dict=True)
        losses.append(float(np.asarray(result["loss"])))
        if i in checkpoints:
            states[i] = state(nnspec.to_torch(nnspec.from_keras(model)))
    return model, losses, states


def state(module) -> dict[str, np.ndarray]:
    """Float tensors of the state dict (num_batches_tracked has no Keras counterpart)."""
    return {
        k: v.detach().numpy().copy()
        for k, v in module.state_dict().items()
        if v.dtype.is_floating_point
    }


def assert_same_training(spec, data, tolerance: float = TOLERANCE, checkpoints=None) -> None:
    """Weights equal after each checkpoint step (default: the first and the last), and the
    loss of every step equal."""
    checkpoints = tuple(checkpoints or sorted({1, len(data)}))
    module, torch_losses, ours = train_torch(spec, data, checkpoints)
    _, keras_losses, theirs = train_keras(spec, data, checkpoints)
    before = state(nnspec.to_torch(spec))
    for step in checkpoints:
        mine, ref_state = ours[step], theirs[step]
        assert mine.keys() == ref_state.keys()
        moved = 0.0
        for k in mine:
            ref = ref_state[k]
            err = np.max(np.abs(mine[k] - ref)) if ref.size else 0.0
            assert err <= tolerance * max(1.0, float(np.max(np.abs(ref), initial=0))), (
                step,
                k,
                err,
            )
            moved = max(moved, float(np.max(np.abs(ref - before[k]), initial=0)))
        assert moved > 10 * tolerance, "training did not change the weights: the test shows nothing"
    np.testing.assert_allclose(torch_losses, keras_losses, rtol=1e-4, atol=1e-5)
    assert sum(p.numel() for p in module.parameters() if p.requires_grad) > 0
