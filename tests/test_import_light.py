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


# What a pre-commit hook's `python -m nnspec validate|fmt` must not load: a framework, numpy
# (no weights read), networkx (the graph checks do without it), importlib.metadata with
# email (pydantic's plugin loader, which the command line stands in for), json (for
# --format json and weights headers only).
NOT_AT_START_UP = (*FRAMEWORKS, "numpy", "networkx", "importlib.metadata", "email", "json")


def modules_of_the_command(argv: list[str]) -> tuple[set[str], int]:
    """Every module `python -m nnspec ARGV` imports (from -X importtime), and its exit status."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nnspec", *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    found = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return found, proc.returncode


@pytest.mark.parametrize("argv", [["validate"], ["fmt", "--check"]], ids=["validate", "fmt"])
def test_hook_commands_start_light(argv):
    modules, code = modules_of_the_command([*argv, str(EXAMPLE)])
    assert "nnspec.spec.model" in modules  # the reader sees the command's imports
    assert code == (1 if argv[0] == "fmt" else 0)  # the example is written by hand
    heavy = {m for m in modules if m in NOT_AT_START_UP or m.split(".")[0] in NOT_AT_START_UP}
    assert sorted(heavy) == []


def test_plugin_loader_stand_in_is_gone_after_the_command():
    """While a command runs, pydantic's plugin loader is stood in for; afterwards a model the
    caller builds gets the real one (and its plugins), and GC thresholds are the caller's."""
    code = (
        "import gc, sys\nbefore = gc.get_threshold()\nfrom nnspec.cli import main\n"
        f"main(['validate', {str(EXAMPLE)!r}])\n"
        "print('pydantic.plugin._loader' in sys.modules, gc.get_threshold() == before)\n"
        "import pydantic\nclass M(pydantic.BaseModel):\n    x: int\n"
        "print(M(x=1).x, 'importlib.metadata' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split()[-4:] == ["False", "True", "1", "True"]
