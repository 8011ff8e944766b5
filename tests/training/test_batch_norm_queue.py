"""``step()`` corrects every batch norm's moving variance at once after backward (the queue
in ``batch_norm.py``); each forward outside ``step()`` corrects its own. Both give the same
bits, also for a batch norm called twice in a step, and Keras' value to float32 rounding."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnspec.backends.torch.training.batch_norm import (
    KerasMovingVariance,
    MovingVarianceQueue,
    update_queued,
)


class Twice(torch.nn.Module):
    """One batch norm called twice per forward (a shared layer), another once."""

    def __init__(self):
        super().__init__()
        self.shared = torch.nn.BatchNorm2d(3, momentum=0.1)
        self.once = torch.nn.BatchNorm2d(3, momentum=0.3)
        self.scale = torch.nn.Parameter(torch.ones(3, 1, 1))

    def forward(self, x):
        return self.once(self.shared(self.shared(x) * self.scale)).square().sum()


def _keras_variance(old, x, momentum):
    """Keras: ``(1-m)*old + m*biased batch variance`` (float64)."""
    x = x.double()
    var = x.transpose(0, 1).reshape(x.shape[1], -1).var(1, unbiased=False)
    return (1 - momentum) * old + momentum * var


def _batches():
    gen = torch.Generator().manual_seed(0)
    return [torch.randn(4, 3, 2, 2, generator=gen) * (i + 1) for i in range(3)]


def _train(queue):
    module = Twice().train()
    for bn in (module.shared, module.once):
        KerasMovingVariance(bn, queue)
    for x in _batches():
        if queue is not None:
            queue.open = True
        module(x).backward()
        if queue is not None:
            queue.open = False
            update_queued(queue)
    return module


def test_queued_update_gives_the_bits_of_the_one_by_one_update_and_keras_value():
    queued, each = _train(MovingVarianceQueue()), _train(None)
    for name in ("shared", "once"):
        q, e = getattr(queued, name), getattr(each, name)
        assert torch.equal(q.running_var, e.running_var), name
        assert torch.equal(q.running_mean, e.running_mean), name
    # Keras' statistics, replayed in float64 on the same inputs
    module = Twice().train()
    shared, once = torch.ones(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    for x in _batches():
        with torch.no_grad():
            y = module.shared(x)
            shared = _keras_variance(shared, x, 0.1)
            z = module.shared(y * module.scale)
            shared = _keras_variance(shared, y * module.scale, 0.1)
            once = _keras_variance(once, z, 0.3)
    np.testing.assert_allclose(queued.shared.running_var.numpy(), shared.numpy(), rtol=1e-6)
    np.testing.assert_allclose(queued.once.running_var.numpy(), once.numpy(), rtol=1e-6)
    assert not np.allclose(shared.numpy(), 1.0), "the statistics moved: the test shows something"


def test_a_step_that_fails_after_the_forward_still_corrects_the_variance():
    queue = MovingVarianceQueue()
    failed, each = Twice().train(), Twice().train()
    for module, q in ((failed, queue), (each, None)):
        for bn in (module.shared, module.once):
            KerasMovingVariance(bn, q)
    x = _batches()[0]
    queue.open = True
    failed(x)  # the step fails here (before backward): step() updates each on its own
    queue.open = False
    queue.update_each()
    each(x)
    for name in ("shared", "once"):
        assert torch.equal(getattr(failed, name).running_var, getattr(each, name).running_var)
    assert not queue
