"""The pre-commit hooks in .pre-commit-hooks.yaml: their entry points run, as pre-commit
runs them (entry + the matching file names), and do what their ids say."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from review_specs import BASE

ROOT = Path(__file__).parents[2]
HOOKS = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def run_hook(hook_id: str, *files: Path) -> subprocess.CompletedProcess:
    """The hook's entry with the files pre-commit would pass; `nnspec` is the console script
    pyproject declares, run here as `python -m nnspec` (the same `main`)."""
    hook = HOOKS[hook_id]
    argv = shlex.split(hook["entry"])
    assert f'{argv[0]} = "nnspec.cli:main"' in (ROOT / "pyproject.toml").read_text()
    passed = [str(f) for f in files if re.search(hook["files"], str(f))]
    cmd = [sys.executable, "-m", "nnspec", *argv[1:], *passed]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def test_hooks_file_declares_both_hooks():
    assert set(HOOKS) == {"nnspec-validate", "nnspec-fmt"}
    for hook in HOOKS.values():
        assert hook["language"] == "python" and hook["entry"].startswith("nnspec ")
        assert re.search(hook["files"], "models/net.nnspec.yaml")
        assert not re.search(hook["files"], ".github/workflows/ci.yaml")


@pytest.fixture
def specs(tmp_path):
    good, bad = tmp_path / "good.nnspec.yaml", tmp_path / "bad.nnspec.yaml"
    good.write_text(BASE)
    bad.write_text(BASE.replace("units: 10", "units: 0"))
    return good, bad


def test_validate_hook(specs):
    good, bad = specs
    assert run_hook("nnspec-validate", good).returncode == 0
    proc = run_hook("nnspec-validate", good, bad)
    assert proc.returncode == 1
    assert f"{bad}: invalid" in proc.stdout and "node 'probs' (dense)" in proc.stdout


def test_fmt_hook_rewrites_once(specs):
    good, _ = specs
    first = run_hook("nnspec-fmt", good)
    assert first.returncode == 0 and first.stdout == f"reformatted {good}\n"
    assert good.read_text() != BASE  # pre-commit fails the hook because the file changed
    second = run_hook("nnspec-fmt", good)
    assert (second.returncode, second.stdout) == (0, "")
