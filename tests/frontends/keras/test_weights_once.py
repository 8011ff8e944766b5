"""Weights are read from Keras once (no copy) and handed to the module once (one copy, the
transposition into PyTorch's layout): the spec keeps the values it read, and neither
the Keras model nor the module can change the other's numbers afterwards."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

import nnspec
from nnspec.frontends.keras.context import read_variable


def _model():
    return keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            keras.layers.Conv2D(3, 3, name="conv"),
            keras.layers.BatchNormalization(name="bn"),
            keras.layers.Flatten(),
            keras.layers.Dense(4, name="dense"),
        ]
    )


def test_read_variable_keeps_the_value_it_read():
    layer = keras.layers.Dense(3)
    layer.build((None, 2))
    value = read_variable(layer.kernel)
    before = value.copy()
    assert not value.flags.writeable
    layer.kernel.assign(np.full((2, 3), 7.0, "float32"))  # copy on write: the view keeps it
    layer.kernel.assign_add(np.ones((2, 3), "float32"))
    np.testing.assert_array_equal(value, before)
    assert np.asarray(read_variable(layer.kernel)).max() == 8.0


def test_read_variable_of_a_scalar():
    v = keras.Variable(np.float32(3.0))
    assert read_variable(v).shape == () and float(read_variable(v)) == 3.0


def test_module_owns_its_weights_and_the_spec_keeps_its_own():
    model = _model()
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 2)).astype("float32")
    spec = nnspec.from_keras(model)
    saved = {k: v.copy() for k, v in spec.params.items()}
    module = nnspec.to_torch(spec)
    module.train()
    opt = torch.optim.SGD(module.parameters(), lr=0.5)
    module(torch.from_numpy(x)).square().sum().backward()
    opt.step()  # every parameter and the batch-norm statistics change
    for k, v in spec.params.items():
        np.testing.assert_array_equal(v, saved[k], err_msg=k)
    for layer in model.layers:  # Keras keeps its numbers too
        for v in layer.weights:
            key = f"{layer.name}/{v.path.split('/')[-1]}"
            np.testing.assert_array_equal(v.numpy(), saved[key], err_msg=key)
    assert not np.array_equal(module.state_dict()["dense.bias"].numpy(), saved["dense/bias"])


def test_keras_to_torch_validates_the_spec_once(monkeypatch):
    """from_keras checks the spec it made; the budget check and the generator reuse that
    analysis (spec/checked.py) instead of validating the same graph twice more."""
    from nnspec.spec import validate

    calls = []
    real = validate.analyse
    monkeypatch.setattr(validate, "analyse", lambda m, **kw: calls.append(kw) or real(m, **kw))
    model = _model()
    module = nnspec.to_torch(nnspec.from_keras(model))
    assert len(calls) == 1
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 2)).astype("float32")
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.from_numpy(x)).numpy(), model(x), atol=1e-5)


def test_the_module_is_handed_the_converted_arrays_without_a_copy():
    from nnspec.backends.torch.build import construct, load_weights
    from nnspec.backends.torch.codegen import generate

    spec = nnspec.from_keras(_model())
    src = generate(spec)
    module = construct(src)
    assert all(p.device.type == "meta" for p in module.parameters())  # no initial values
    load_weights(module, src.state_dict)
    for key, tensor in module.state_dict().items():
        assert tensor.data_ptr() == src.state_dict[key].ctypes.data, key
        # the one copy is the generator's: none of the module's memory is the spec's
        assert not any(np.shares_memory(src.state_dict[key], v) for v in spec.params.values())
