"""from_torch(optimizer=, loss=): a PyTorch training setup carried into the spec trains the
Keras model (and the module nnspec generates) exactly as PyTorch trains the original module;
the rest is refused by name."""

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


# A large epsilon, so that Keras' placement of it would give other weights (checked below).
CARRIED = {
    "adam-coupled-decay": lambda p: torch.optim.Adam(
        p, lr=0.01, betas=(0.8, 0.95), eps=1e-2, weight_decay=0.01
    ),
    "adam-amsgrad": lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-2, amsgrad=True),
    "adam-decoupled": lambda p: torch.optim.Adam(
        p, lr=0.01, eps=1e-2, weight_decay=0.1, decoupled_weight_decay=True
    ),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, eps=1e-2, weight_decay=0.1, foreach=False),
    "rmsprop-centered-momentum": lambda p: torch.optim.RMSprop(
        p, lr=0.01, alpha=0.9, eps=1e-2, momentum=0.5, centered=True, weight_decay=0.01
    ),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01, eps=1e-2),
    "adagrad": lambda p: torch.optim.Adagrad(
        p, lr=0.1, eps=0.1, initial_accumulator_value=0.2, weight_decay=0.01
    ),
}


def _train_three_ways(spec, module, opt, loss_fn, steps: int = 5):
    """``steps`` steps of the original (torch.optim), of the Keras model and of the module
    nnspec generates (torch_training) on the same batches; the outputs afterwards."""
    keras_model = nnspec.to_keras(spec)
    ours = nnspec.to_torch(spec)
    setup = nnspec.torch_training(spec, ours)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        x = rng.normal(size=(8, 6)).astype(np.float32)
        y = rng.integers(0, 3, 8)
        opt.zero_grad()
        loss_fn(module(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        opt.step()
        keras_model.train_on_batch(x, y)
        setup.step(torch.from_numpy(x), torch.from_numpy(y))
    test = rng.normal(size=(16, 6)).astype(np.float32)
    with torch.no_grad():
        return (
            module(torch.from_numpy(test)).numpy(),
            np.asarray(keras_model(test)),
            ours(torch.from_numpy(test)).numpy(),
            test,
        )


# Three in the default suite (its time budget); every optimizer with -m slow.
FAST = ("adam-coupled-decay", "rmsprop-centered-momentum", "adagrad")
CASES = [
    pytest.param(make, id=name, marks=() if name in FAST else pytest.mark.slow)
    for name, make in CARRIED.items()
]


@pytest.mark.parametrize("make", CASES)
def test_torch_optimizers_train_keras_and_nnspec_as_pytorch_does(make):
    module = _module()
    opt, loss_fn = make(module.parameters()), torch.nn.CrossEntropyLoss()
    spec = nnspec.from_torch(module, (torch.randn(2, 6),), optimizer=opt, loss=loss_fn)
    flag = next(k for k in spec.training.optimizer.model_fields if k.startswith("epsilon_"))
    assert getattr(spec.training.optimizer, flag)
    original, keras_out, ours, test = _train_three_ways(spec, module, opt, loss_fn)
    np.testing.assert_allclose(keras_out, original, atol=2e-5)
    np.testing.assert_allclose(ours, original, atol=2e-5)
    untrained = nnspec.to_keras(spec)
    assert np.abs(np.asarray(untrained(test)) - original).max() > 1e-2  # training happened
    # Keras' own placement of epsilon trains differently: the flag is what makes them agree
    keras_placement = spec.model_copy(deep=True)
    keras_placement.params = spec.params
    setattr(keras_placement.training.optimizer, flag, False)
    other = _train_three_ways(keras_placement, _module(), make(_module().parameters()), loss_fn)
    assert np.abs(other[1] - original).max() > 1e-4


def test_torch_placement_survives_keras_and_yaml(tmp_path):
    module = _module()
    opt = torch.optim.RMSprop(module.parameters(), lr=0.01, eps=1e-3, centered=True)
    spec = nnspec.from_torch(
        module, (torch.randn(2, 6),), optimizer=opt, loss=torch.nn.CrossEntropyLoss()
    )
    assert nnspec.from_keras(nnspec.to_keras(spec)).training == spec.training
    spec.save(tmp_path / "m.yaml")
    assert nnspec.load(tmp_path / "m.yaml").training == spec.training


@pytest.mark.parametrize(
    ("optimizer", "loss", "reason"),
    [
        (lambda p: torch.optim.Adam(p, maximize=True), torch.nn.MSELoss(), "maximize"),
        (lambda p: torch.optim.RMSprop(p, maximize=True), torch.nn.MSELoss(), "maximize"),
        (lambda p: torch.optim.Adagrad(p, lr_decay=0.01), torch.nn.MSELoss(), "lr_decay"),
        (lambda p: torch.optim.NAdam(p), torch.nn.MSELoss(), "NAdam is not carried"),
        (
            lambda p: torch.optim.Adam([{"params": list(p)[:2]}]),
            torch.nn.MSELoss(),
            "not in the optimizer",
        ),
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
