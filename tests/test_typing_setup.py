"""The typing and import-boundary setup: what .ci/run's mypy and ruff steps rely on."""

from __future__ import annotations

import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff(path: str, source: str) -> subprocess.CompletedProcess[str]:
    """ruff on ``source`` as if it were the file at ``path`` (the project's own settings)."""
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    return subprocess.run(
        [ruff, "check", "--select", "TID253", "--stdin-filename", path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_module_level_torch_import_in_codegen_fails_ruff():
    text = (ROOT / "backends/torch/codegen.py").read_text(encoding="utf-8")
    out = _ruff("backends/torch/codegen.py", "import torch\n" + text)
    assert out.returncode == 1 and "TID253" in out.stdout, out.stdout + out.stderr


def test_listed_framework_modules_may_import_at_module_level():
    text = (ROOT / "backends/torch/build.py").read_text(encoding="utf-8")
    assert "\nimport torch\n" in text  # the exemption is needed, not only allowed
    out = _ruff("backends/torch/build.py", text)
    assert out.returncode == 0, out.stdout + out.stderr


def test_typecheck_sees_every_module_under_its_installed_name():
    pytest.importorskip("mypy")
    sys.modules.pop("typecheck", None)
    found = runpy.run_path(str(ROOT / ".ci/typecheck.py"))["sources"]()
    modules = {s.module: s.path for s in found}
    assert modules["nnspec.spec.io"] == "spec/io.py"
    assert modules["nnspec.backends.torch.ops"] == "backends/torch/ops/__init__.py"
    assert modules["nnspec.frontends.keras.layers.conv"] == "frontends/keras/layers/conv.py"
    on_disk = {
        str(p.relative_to(ROOT))
        for d in ("nnspec", "spec", "backends", "frontends")
        for p in (ROOT / d).rglob("*.py")
    }
    assert set(modules.values()) == on_disk
    assert len(modules) == len(found)  # no file under two names
