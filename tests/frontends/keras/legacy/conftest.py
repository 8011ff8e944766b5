"""Keras 2 files written by tf-keras in a subprocess (once per session), and the real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[4] / ".." / "shared" / "real-models"


def _generate(out: Path, slow: bool) -> Path:
    script = Path(__file__).with_name("make_fixtures.py")
    cmd = [sys.executable, str(script), str(out), "--real", str(REAL)] + (
        ["--slow"] if slow else []
    )
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode != 0 or not (out / "done").exists():
        raise RuntimeError(f"tf-keras fixture generation failed:\n{run.stderr[-3000:]}")
    return out


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The shared real files; missing files fail (never skip)."""
    manifest = REAL / "MANIFEST.json"
    assert manifest.is_file(), f"{REAL} is missing: the real-model tests need that folder"
    missing = [
        e["file"] for e in json.loads(manifest.read_text()) if not (REAL / e["file"]).is_file()
    ]
    assert not missing, f"{REAL} lacks {missing}: the real-model tests need that folder"
    return REAL


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory, real_dir) -> Path:
    return _generate(tmp_path_factory.mktemp("tf_keras"), slow=False)


@pytest.fixture(scope="session")
def slow_fixtures(tmp_path_factory, real_dir) -> Path:
    return _generate(tmp_path_factory.mktemp("tf_keras_slow"), slow=True)
