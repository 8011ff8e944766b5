"""``nnspec convert --to torch`` writes ``<name>_train.py`` for a spec with a training
section: lint-clean, and it trains the converted module (the loss goes down)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from nnspec.convert import convert

pytest.importorskip("torch")
PYPROJECT = str(Path(__file__).resolve().parents[2] / "pyproject.toml")  # project rules; TID253: a
# generated file imports torch at the top, as backends/ may

SPEC = """
nnspec: 1
name: classifier
inputs: {x: {shape: [batch, 10]}}
nodes:
  - {op: dense, units: 16, activation: relu, name: hidden}
  - {op: dropout, rate: 0.1}
  - {op: dense, units: 3, activation: softmax, name: probs}
training:
  optimizer:
    name: adam
    learning_rate: {schedule: cosine_decay, initial_learning_rate: 0.02, decay_steps: 200}
  loss: {name: categorical_crossentropy}
  metrics: [categorical_accuracy]
  regularizers: {hidden: {kernel: {l2: 0.0001}}}
"""


def test_training_script_runs_and_the_loss_goes_down(tmp_path):
    src = tmp_path / "classifier.yaml"
    src.write_text(SPEC)
    result = convert(src, tmp_path / "out", to="torch", check=False)
    script = tmp_path / "out" / "classifier_train.py"
    assert script in result.files
    lint = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--config",
            PYPROJECT,
            "--ignore",
            "TID253",
            str(script),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout
    run = subprocess.run(
        [sys.executable, str(script), "--epochs", "6", "--samples", "256"],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    losses = [float(v) for v in re.findall(r"loss (\d+\.\d+)", run.stdout)]
    assert len(losses) == 6 and "categorical_accuracy" in run.stdout
    assert losses[-1] < 0.7 * losses[0], run.stdout


def test_no_training_section_no_script(tmp_path):
    src = tmp_path / "plain.yaml"
    src.write_text(SPEC.split("training:")[0])
    convert(src, tmp_path / "out", to="torch", check=False)
    assert not (tmp_path / "out" / "plain_train.py").exists()
