"""from_torch(optimizer=, loss=): a PyTorch training setup carried into the spec trains the
Keras model exactly as PyTorch trains the original module; the rest is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

import nnspec
from nnspec.spec.errors import ConversionError

torch = pytest.importorskip("torch")
pytest.importorskip("keras")


def _module():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))


def test_sgd_and_crossentropy_train_keras_as_pytorch_does():
    module = _module()
    opt = torch.optim.SGD(
        module.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01
    )
    loss_fn = torch.nn.CrossEntropyLoss()
    spec = nnspec.from_torch(module, (torch.randn(2, 6),), optimizer=opt, loss=loss_fn)
    assert spec.training.loss.name == "sparse_categorical_crossentropy"
    assert spec.training.loss.from_logits
    keras_model = nnspec.to_keras(spec)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(size=(8, 6)).astype(np.float32)
        y = rng.integers(0, 3, 8)
        opt.zero_grad()
        loss_fn(module(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        opt.step()
        keras_model.train_on_batch(x, y)
    test = rng.normal(size=(16, 6)).astype(np.float32)
    with torch.no_grad():
        ours = module(torch.from_numpy(test)).numpy()
    np.testing.assert_allclose(np.asarray(keras_model(test)), ours, atol=2e-5)
    untrained = nnspec.to_keras(spec)
    assert np.abs(np.asarray(untrained(test)) - ours).max() > 1e-2  # training happened


@pytest.mark.parametrize(
    ("optimizer", "loss", "reason"),
    [
        (lambda p: torch.optim.Adam(p), torch.nn.MSELoss(), "epsilon"),
        (
            lambda p: torch.optim.SGD(p, lr=0.1, dampening=0.5, momentum=0.9),
            torch.nn.MSELoss(),
            "dampening",
        ),
        (lambda p: torch.optim.SGD(p, lr=0.1), torch.nn.MSELoss(reduction="sum"), "reduction"),
        (
            lambda p: torch.optim.SGD(p, lr=0.1),
            torch.nn.CrossEntropyLoss(label_smoothing=0.1),
            "label_smoothing",
        ),
        (lambda p: torch.optim.SGD(p, lr=0.1), torch.nn.KLDivLoss(reduction="mean"), "KLDivLoss"),
    ],
)
def test_what_keras_cannot_reproduce_is_refused(optimizer, loss, reason):
    module = _module()
    with pytest.raises(ConversionError, match=reason):
        nnspec.from_torch(
            module, (torch.randn(2, 6),), optimizer=optimizer(module.parameters()), loss=loss
        )
