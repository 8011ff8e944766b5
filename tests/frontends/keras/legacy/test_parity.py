"""Keras 2 HDF5 files and tf.keras SavedModels -> spec -> PyTorch, against tf-keras' own
outputs on two different inputs (written by make_fixtures.py in a subprocess)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nnspec
from nnspec.spec.errors import ConversionError

# The five files of ../shared/real-models (README.md there); a missing one fails the test.
REAL_FILES = (
    "digit-recognition__model.h5",
    "emoji-bilstm__bilstm_model.h5",
    "eye-state__model.keras",
    "katakana-seq2seq__model.h5",
    "lstm-melody__model.h5",
)

TOLERANCE = 1e-4


def _keras_count(path) -> int:
    from nnspec.frontends.keras import read_keras_file

    return int(read_keras_file(path)[0].count_params())


def check_against_tf_keras(path, reference) -> None:
    """The converted module reproduces tf-keras' outputs; the Keras 3 model nnspec rebuilt
    has tf-keras' parameter count."""
    spec = nnspec.load_keras_file(path)
    module = nnspec.to_torch(spec)
    ref = np.load(reference)
    n_in = len([k for k in ref if k.startswith("x1_")])
    assert n_in == len(spec.inputs)
    for tag in ("1", "2"):
        xs = [ref[f"x{tag}_{i}"].astype(inp.dtype) for i, inp in enumerate(spec.inputs.values())]
        with torch.no_grad():
            out = module(*[torch.from_numpy(x) for x in xs])
        out = out if isinstance(out, tuple) else (out,)
        assert len(out) == len([k for k in ref if k.startswith(f"y{tag}_")])
        for i, got in enumerate(out):
            want = ref[f"y{tag}_{i}"]
            assert got.shape == want.shape
            bound = TOLERANCE * max(1.0, float(np.abs(want).max()))
            assert float(np.abs(got.numpy() - want).max()) <= bound, (path.name, tag, i)
    assert _keras_count(path) == int(ref["params"])


H5_MODELS = [
    "cnn",
    "seq_conv1d",
    "conv3d_multi",
    "recurrent",
    "nested_shared",
    "image_prep",  # Normalization (adapted), Resizing, CenterCrop, Conv1DTranspose
    "attention",  # Attention, AdditiveAttention
    "rnn_cells",  # RNN(LSTMCell), RNN(SimpleRNNCell), Bidirectional with a backward_layer
]


@pytest.mark.parametrize("name", H5_MODELS)
def test_keras2_hdf5(fixtures, name):
    check_against_tf_keras(fixtures / f"{name}.h5", fixtures / f"{name}.npz")


@pytest.mark.parametrize("name", ["nested_shared", "attention", "image_prep"])  # others: test_grid
def test_saved_model(fixtures, name):
    check_against_tf_keras(fixtures / f"{name}_sm", fixtures / f"{name}.npz")


def test_untraced_saved_model(fixtures):
    """save_traces=False keeps no per-layer variable lists: weights found by attribute name."""
    check_against_tf_keras(fixtures / "recurrent_untraced_sm", fixtures / "recurrent.npz")


@pytest.mark.parametrize("name", REAL_FILES)
def test_real_file(fixtures, real_dir, name):
    check_against_tf_keras(real_dir / name, fixtures / f"real_{name}.npz")


def test_hard_sigmoid_is_keras2s(fixtures):
    """Keras 2's hard_sigmoid (0.2·x + 0.5) is not Keras 3's (x/6 + 0.5): kept apart."""
    spec = nnspec.load_keras_file(fixtures / "recurrent.h5")
    lstm = next(n for n in spec.nodes if n.op == "lstm")
    assert lstm.recurrent_activation == "hard_sigmoid_keras2"


def test_unmirrored_backward_layer_refused(fixtures):
    """A backward_layer that is not the forward layer's mirror has no spec: refused by name."""
    with pytest.raises(ConversionError) as err:
        nnspec.load_keras_file(fixtures / "unmirrored_backward.h5")
    text = str(err.value)
    assert "bidi" in text and "backward" in text and "mirror" in text and "units" in text


def test_lambda_refused(fixtures):
    with pytest.raises(ConversionError) as err:
        nnspec.load_keras_file(fixtures / "with_lambda.h5")
    text = str(err.value)
    assert "'scale' (Lambda)" in text and "bytecode" in text and "never runs" in text
    assert "Rescaling" in text


SLOW_MODELS = [*H5_MODELS, "bilstm", "gru_reset_before", "image_misc", "sequence_misc"]
# each slow model's SavedModel too: recurrent layers' SavedModels are the slow ones to write


@pytest.mark.slow
@pytest.mark.parametrize("name", SLOW_MODELS)
@pytest.mark.parametrize("fmt", ["h5", "sm"])
def test_grid(slow_fixtures, name, fmt):
    path = slow_fixtures / (f"{name}.h5" if fmt == "h5" else f"{name}_sm")
    check_against_tf_keras(path, slow_fixtures / f"{name}.npz")


@pytest.mark.slow
def test_lambda_refused_saved_model(slow_fixtures):
    with pytest.raises(ConversionError, match=r"'scale' \(Lambda\).*bytecode.*Rescaling"):
        nnspec.load_keras_file(slow_fixtures / "with_lambda_sm")


def test_same_spec_as_keras3_path(real_dir):
    """Where Keras 3 loads a legacy file itself, its model gives the spec the legacy reader
    gives: the same nodes, the same weights."""
    import keras

    from nnspec.frontends.keras.importer import from_keras

    path = real_dir / "digit-recognition__model.h5"
    ours = nnspec.load_keras_file(path)
    theirs = from_keras(keras.saving.load_model(path, compile=False, safe_mode=True))
    assert ours.to_yaml().split("nodes:")[1] == theirs.to_yaml().split("nodes:")[1]
    assert set(ours.params) == set(theirs.params)
    for key, value in ours.params.items():
        np.testing.assert_array_equal(value, theirs.params[key])


@pytest.mark.parametrize("name", ["eye-state__model.keras", "katakana-seq2seq__model.h5"])
def test_cli_converts_real_file(real_dir, tmp_path, capsys, name):
    """`nnspec convert` on an HDF5 file named .keras and on a Keras 2.2.4 seq2seq model."""
    from nnspec.cli import main

    out = tmp_path / "out"
    assert main(["convert", str(real_dir / name), "-o", str(out), "-q"]) == 0
    report = capsys.readouterr().out
    assert "reference: Keras 3 model rebuilt from the config and weights of the HDF5" in report
    assert "MISMATCH" not in report and "(differ)" not in report
    assert sorted(p.suffix for p in out.iterdir()) == [
        ".py",
        ".safetensors",
        ".safetensors",
        ".yaml",
    ]
