"""load_module: a user's ``file.py:ClassName`` with safetensors weights (never pickle)."""

from __future__ import annotations

import textwrap

import pytest
from helpers import assert_close, run_torch

import nnspec
from nnspec import ConversionError

torch = pytest.importorskip("torch")
safetensors_torch = pytest.importorskip("safetensors.torch")

from nnspec.frontends.torch import load_module

SOURCE = textwrap.dedent("""
    import torch
    from torch import nn


    class Small(nn.Module):
        def __init__(self, hidden=5):
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.fc = nn.Linear(4, hidden)

        def forward(self, x):
            x = torch.relu(self.conv(x)).mean((2, 3))
            return self.fc(x)
""")


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "user_model.py"
    path.write_text(SOURCE)
    return path


def test_load_and_convert(user_file, tmp_path):
    torch.manual_seed(0)
    original = load_module(f"{user_file}:Small")  # random initial weights
    weights = tmp_path / "state.safetensors"
    safetensors_torch.save_file(original.state_dict(), str(weights))

    module = load_module(f"{user_file}:Small", weights)
    x = torch.randn(2, 3, 6, 6)
    assert_close(run_torch(original, [x.numpy()]), run_torch(module, [x.numpy()]))
    spec = nnspec.from_torch(module, x)
    assert_close(run_torch(original, [x.numpy()]), run_torch(nnspec.to_torch(spec), [x.numpy()]))


def test_init_kwargs(user_file):
    assert load_module(f"{user_file}:Small", hidden=7).fc.out_features == 7


def test_pickle_weights_are_refused(user_file, tmp_path):
    with pytest.raises(ConversionError, match="only .safetensors"):
        load_module(f"{user_file}:Small", tmp_path / "state.pt")


def test_errors(user_file, tmp_path):
    with pytest.raises(ConversionError, match="no nn.Module class 'Big'") as info:
        load_module(f"{user_file}:Big")
    assert "Small" in str(info.value)
    with pytest.raises(ConversionError, match="path/to/file.py:ClassName"):
        load_module(str(user_file))
    with pytest.raises(ConversionError, match="not a Python file"):
        load_module(f"{tmp_path / 'missing.py'}:Small")
    wrong = tmp_path / "wrong.safetensors"
    safetensors_torch.save_file({"fc.weight": torch.zeros(2, 2)}, str(wrong))
    with pytest.raises(ConversionError, match="do not fit Small"):
        load_module(f"{user_file}:Small", wrong)
