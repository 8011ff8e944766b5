"""The framework-free commands never import torch, tensorflow or keras (STYLE.md section 8).

Checked in a clean interpreter through ``sys.modules``, as PyTorch's
``test_lazy_imports_are_lazy`` does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[1] / "examples" / "mnist_cnn.yaml"
FRAMEWORKS = ("torch", "tensorflow", "keras")


def modules_loaded_by(argv: list[str]) -> str:
    code = (
        "import sys\nfrom nnspec.cli import main\n"
        f"code = main({argv!r})\n"
        f"print([m for m in {FRAMEWORKS!r} if m in sys.modules], code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", str(EXAMPLE)],
        ["validate", "--format", "json", str(EXAMPLE)],
        ["summary", str(EXAMPLE)],
        ["schema"],
    ],
    ids=["validate", "validate_json", "summary", "schema"],
)
def test_command_imports_no_framework(argv):
    assert modules_loaded_by(argv) == "[] 0"


def test_optimize_imports_no_framework(tmp_path):
    argv = ["optimize", str(EXAMPLE), "-o", str(tmp_path / "out.yaml")]
    assert modules_loaded_by(argv) == "[] 0"


def test_validate_without_weights_skips_numpy():
    """numpy is loaded only when weights are read or written: validate starts faster."""
    code = (
        "import sys\nfrom nnspec.cli import main\n"
        f"main(['validate', {str(EXAMPLE)!r}])\nprint('numpy' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_validate_imports_only_the_op_modules_the_spec_uses():
    """The generated tag index (spec/ops/_index.py) points each op at its module."""
    code = (
        "import sys\nfrom nnspec.cli import main\n"
        f"main(['validate', {str(EXAMPLE)!r}])\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules "
        "if m.startswith('nnspec.spec.ops.') and m != 'nnspec.spec.ops._index'))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    ops = proc.stdout.strip().splitlines()[-1]
    assert ops == "['conv', 'dense', 'dropout', 'flatten', 'pooling']"


def test_validate_builds_only_what_the_spec_uses():
    """Start-up of a pre-commit hook: no training schema for a spec without `training:`, no
    validator for an op the spec does not name (avg_pool2d shares max_pool2d's module), and
    no Model validator (loading assembles it from the parts it validated)."""
    code = (
        "import sys\nfrom nnspec.cli import main\n"
        f"main(['validate', {str(EXAMPLE)!r}])\n"
        "from nnspec.spec.model import Model\nfrom nnspec.spec.ops import op_class\n"
        "print('nnspec.spec.training' in sys.modules, Model.__pydantic_complete__,\n"
        "      op_class('avg_pool2d').__pydantic_complete__,"
        " op_class('max_pool2d').__pydantic_complete__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "False False False True"
