"""The checks every parity test relies on: two different inputs per comparison (helpers and
``nnspec convert``), and frontend specs that save, reload and validate."""

from __future__ import annotations

import importlib
from pathlib import Path

import helpers
import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, second_input

import nnspec

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")


def test_second_input_differs_and_keeps_padding_masks_and_range():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    x[:, 3:] = 0.0  # padded steps
    y = second_input(x)
    assert y.dtype == x.dtype and not np.array_equal(x, y)
    assert np.all(y[:, 3:] == 0) and np.all(np.sign(y) == np.sign(x))
    np.testing.assert_array_equal(second_input(x.transpose(0, 2, 1)), y.transpose(0, 2, 1))
    ids = np.array([[3, 7, 9, 0, 0], [1, 2, 9, 4, 0]], dtype="int64")
    moved = second_input(ids)
    assert not np.array_equal(moved, ids) and np.all((moved == 0) == (ids == 0))
    assert moved[ids != 0].min() >= 1 and moved.max() <= 9
    mask = ids != 0
    np.testing.assert_array_equal(second_input(mask), mask)


class _FoldedExample(torch.nn.Module):
    """A conversion that folded the example input into a constant: right on that input only."""

    def __init__(self, example: np.ndarray):
        super().__init__()
        self.example = torch.from_numpy(example)

    def forward(self, x):
        return self.example.repeat(x.shape[0] // self.example.shape[0], 1)


def test_a_model_right_on_the_first_input_only_fails_parity():
    x = np.random.default_rng(1).normal(size=(2, 4)).astype("float32")
    inp = keras.Input((4,))
    identity = keras.Model(inp, keras.layers.Activation("linear")(inp))
    with pytest.raises(AssertionError, match=r"output 0 \(second input\)"):
        assert_close(run_keras(identity, [x]), run_torch(_FoldedExample(x), [x]))


def test_runs_are_recorded_with_two_different_inputs():
    helpers.RUNS.clear()
    x = np.random.default_rng(2).normal(size=(2, 4)).astype("float32")
    out = run_torch(torch.nn.Identity(), [x])
    assert out.per_input == 1 and len(out) == 2
    np.testing.assert_array_equal(out[1], second_input(x))
    [(first, second)] = helpers.RUNS
    assert first != second


def test_reload_check_catches_a_scalar_saved_as_a_vector(tmp_path, monkeypatch):
    norm = keras.layers.Normalization(name="normalization")
    norm.adapt(np.random.default_rng(3).normal(size=(10, 3)).astype("float32"))
    inp = keras.Input((3,))
    spec = nnspec.from_keras(keras.Model(inp, norm(inp)))
    assert spec.params["normalization/count"].shape == ()
    helpers.assert_reloads(spec, tmp_path)  # the fixed writer keeps it 0-d

    from nnspec.spec import write

    def old_writer(params, path):  # what save_weights did: ascontiguousarray makes () (1,)
        from safetensors.numpy import save_file

        save_file({k: np.ascontiguousarray(v) for k, v in params.items()}, str(path))

    monkeypatch.setattr(write, "save_weights", old_writer)
    with pytest.raises(nnspec.SpecError, match=r"'count' has shape \(1,\)"):
        helpers.assert_reloads(spec, tmp_path)


def test_attention_scale_reloads(tmp_path):
    q, v = keras.Input((2, 3)), keras.Input((4, 3))
    model = keras.Model([q, v], keras.layers.Attention(use_scale=True, name="attention")([q, v]))
    spec = nnspec.from_keras(model)
    assert spec.params["attention/scale"].shape == ()
    helpers.assert_reloads(spec, tmp_path)


def test_convert_checks_parity_on_two_different_inputs(tmp_path, monkeypatch):
    convert = importlib.import_module("nnspec.convert")  # the module, not the function

    seen = []
    original = convert.sample_inputs

    def recording(spec, *args, **kwargs):
        arrays = original(spec, *args, **kwargs)
        seen.append(arrays)
        return arrays

    monkeypatch.setattr(convert, "sample_inputs", recording)
    examples = Path(__file__).parent.parent / "examples"
    result = convert.convert(examples / "mnist_cnn.yaml", tmp_path, to="torch")
    assert result.ok and len(result.checks) == 1
    assert len(seen) == 2 and not np.array_equal(seen[0][0], seen[1][0])
