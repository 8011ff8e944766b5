"""`nnspec convert` end to end: files written, parity reported, nothing left on failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nnspec.cli import main

pytest.importorskip("torch")
pytest.importorskip("keras")

EXAMPLES = Path(__file__).parent.parent / "examples"

TORCH_MODEL = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 6 * 6, 2)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))
"""


def test_keras_file_to_torch(tmp_path, capsys):
    assert main(["convert", str(EXAMPLES / "mnist_cnn.keras"), "-o", str(tmp_path), "-q"]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "mnist_cnn.py",
        "mnist_cnn.safetensors",
        "mnist_cnn.spec.safetensors",
        "mnist_cnn.yaml",
    ]
    out = capsys.readouterr().out
    assert "max abs err" in out and " ok" in out and "MISMATCH" not in out
    assert "parameters: keras 20,554, torch 20,554" in out
    # The written module loads by itself, as a user would load it.
    source = (tmp_path / "mnist_cnn.py").read_text()
    namespace: dict = {}
    exec(compile(source, "mnist_cnn.py", "exec"), namespace)  # noqa: S102
    from safetensors.torch import load_file

    module = namespace["MnistCnn"]()
    module.load_state_dict(load_file(tmp_path / "mnist_cnn.safetensors"))


def test_keras_file_to_keras_and_spec(tmp_path):
    assert (
        main(
            [
                "convert",
                str(EXAMPLES / "mnist_cnn.keras"),
                "-o",
                str(tmp_path / "k"),
                "--to",
                "keras",
                "-q",
            ]
        )
        == 0
    )
    assert (tmp_path / "k" / "mnist_cnn.keras").is_file()
    assert (
        main(
            [
                "convert",
                str(EXAMPLES / "mnist_cnn.keras"),
                "-o",
                str(tmp_path / "s"),
                "--to",
                "spec",
                "-q",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [
        "mnist_cnn.safetensors",
        "mnist_cnn.yaml",
    ]
    # ... and that spec converts on, without weights being lost.
    assert (
        main(["convert", str(tmp_path / "s" / "mnist_cnn.yaml"), "-o", str(tmp_path / "t"), "-q"])
        == 0
    )


def test_masked_bilstm_example(tmp_path, capsys):
    assert (
        main(["convert", str(EXAMPLES / "sentiment_bilstm.keras"), "-o", str(tmp_path), "-q"]) == 0
    )
    assert "MISMATCH" not in capsys.readouterr().out


def test_torch_source_to_keras(tmp_path, capsys):
    (tmp_path / "net.py").write_text(TORCH_MODEL)
    code = main(
        [
            "convert",
            f"{tmp_path / 'net.py'}:Net",
            "--input-shape",
            "1,3,6,6",
            "-o",
            str(tmp_path / "out"),
            "-q",
        ]
    )
    assert code == 0
    assert (tmp_path / "out" / "Net.keras").is_file()
    assert "parameters: torch (source) 402, keras 402" in capsys.readouterr().out


def test_failed_conversion_leaves_nothing(tmp_path, capsys):
    import keras

    x = keras.Input((3,))
    keras.Model(x, keras.layers.Lambda(lambda t: t + 1, name="shift")(x)).save(
        tmp_path / "bad.keras"
    )
    out = tmp_path / "out"
    assert main(["convert", str(tmp_path / "bad.keras"), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert "bad.keras: cannot load the Keras model: it contains a Lambda layer" in err
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_usage_errors_exit_2(tmp_path):
    assert main(["convert", "x.py:Net", "-o", str(tmp_path)]) == 2  # needs --input-shape
    assert main(["convert"]) == 2


def test_python_dash_m(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "nnspec", "convert", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "--no-check" in result.stdout
