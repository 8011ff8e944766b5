"""``nnspec convert --to torch`` writes ``<name>_train.py`` for a spec with a training
section: lint-clean, standalone (it runs with nnspec blocked), it trains the converted module
(the loss goes down), and its steps are those of ``nnspec.torch_training``."""

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


# nnspec cannot be imported: the script must not need it
BLOCKED = "import sys\nsys.modules['nnspec'] = None\n"
RUN = "import runpy\nsys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name='__main__')\n"


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
        [sys.executable, "-c", BLOCKED + RUN, str(script), "--epochs", "6", "--samples", "256"],
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


BN_SPEC = """
nnspec: 1
name: bn_net
inputs: {image: {shape: [batch, 6, 6, 2]}}
nodes:
  - {op: conv2d, name: stem, filters: 4, kernel_size: 3, padding: same}
  - {op: batch_norm, name: stem_bn}
  - {op: relu}
  - {op: conv2d, name: conv, filters: 4, kernel_size: 3, padding: same, use_bias: false}
  - {op: batch_norm, name: bn}
  - {op: relu}
  - {op: global_avg_pool2d}
  - {op: dense, name: probs, units: 3, activation: softmax}
training:
  optimizer:
    name: sgd
    momentum: 0.9
    nesterov: true
    clipnorm: 1.0
    learning_rate: {schedule: exponential_decay, initial_learning_rate: 0.05, decay_steps: 2,
                    decay_rate: 0.8}
  loss: {name: categorical_crossentropy, label_smoothing: 0.1}
  metrics: [categorical_accuracy, categorical_crossentropy]
  regularizers: {conv: {kernel: {l1: 0.001, l2: 0.01}}}
  constraints: {probs: {bias: {name: non_neg}}}
  frozen: [stem, stem_bn]
"""

TRAIN_AND_SAVE = """
import importlib.util
from safetensors.torch import save_file
from torch.utils.data import DataLoader
spec = importlib.util.spec_from_file_location("train", sys.argv[1])
script = importlib.util.module_from_spec(spec)
spec.loader.exec_module(script)
module = script.load_module()
optimizer, scheduler = script.setup(module)
loader = DataLoader(script.load_data(48), batch_size=16, shuffle=False)
script.train(module, optimizer, scheduler, loader, 2)
save_file({k: v.contiguous() for k, v in module.state_dict().items()}, sys.argv[2])
"""


def test_training_script_steps_are_torch_training_steps(tmp_path):
    """Batch norm (Keras' moving variance), a frozen conv + batch norm, L1/L2 penalties, a
    non-negative bias, SGD with nesterov, clipping and a schedule: six steps of the standalone
    script leave the same weights and statistics as six ``torch_training`` steps."""
    import importlib.util

    import torch
    from safetensors.torch import load_file

    import nnspec

    src = tmp_path / "bn_net.yaml"
    src.write_text(BN_SPEC)
    convert(src, tmp_path / "out", to="torch", check=False)
    script_path = tmp_path / "out" / "bn_net_train.py"
    run = subprocess.run(
        [sys.executable, "-c", BLOCKED + TRAIN_AND_SAVE, str(script_path), str(tmp_path / "s")],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    from_script = load_file(tmp_path / "s")

    spec_ = importlib.util.spec_from_file_location("bn_net_train", script_path)
    script = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(script)
    module = script.load_module()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    setup = nnspec.torch_training(nnspec.load(tmp_path / "out" / "bn_net.yaml"), module)
    data = script.load_data(48)
    for _ in range(2):
        for i in range(0, 48, 16):
            x, y = data[i : i + 16]
            setup.step([x], y)
    after = module.state_dict()
    assert after.keys() == from_script.keys()
    for k, v in after.items():
        torch.testing.assert_close(from_script[k], v, rtol=1e-5, atol=1e-6, msg=k)
    for k in ("stem.weight", "stem_bn.running_var"):  # frozen: untouched in both
        assert torch.equal(from_script[k], before[k]), k
    for k in ("conv.weight", "bn.running_var", "probs.bias"):
        assert not torch.allclose(from_script[k], before[k]), k
    assert (from_script["probs.bias"] >= 0).all()


def test_channels_first_script_feeds_nchw_images(tmp_path):
    src = tmp_path / "bn_net.yaml"
    src.write_text(BN_SPEC)
    convert(src, tmp_path / "out", to="torch", check=False, channels_first=True)
    script = tmp_path / "out" / "bn_net_train.py"
    assert "INPUT_SHAPES = [(2, 6, 6)]" in script.read_text()
    run = subprocess.run(
        [sys.executable, "-c", BLOCKED + RUN, str(script), "--epochs", "1", "--samples", "32"],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "epoch 1/1  loss" in run.stdout
