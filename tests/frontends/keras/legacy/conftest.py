"""Keras 2 files written by tf-keras in one subprocess per set, and the real files.

A set is cached on disk (NNSPEC_TEST_CACHE, else ~/.cache/nnspec-tests) under a digest of
make_fixtures.py, the tf-keras version and the real files, so a later session reuses it;
tests copy a fixture before they change it."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REAL = Path(__file__).resolve().parents[4] / ".." / "shared" / "real-models"


def _cache_root() -> Path:
    return Path(os.environ.get("NNSPEC_TEST_CACHE") or Path.home() / ".cache" / "nnspec-tests")


def _digest(slow: bool) -> str:
    h = hashlib.sha256(Path(__file__).with_name("make_fixtures.py").read_bytes())
    for package in ("tf-keras", "tensorflow", "tensorflow-cpu"):
        try:
            h.update(f"{package}={importlib.metadata.version(package)}".encode())
        except importlib.metadata.PackageNotFoundError:
            pass
    h.update(b"slow" if slow else b"")
    for path in sorted(REAL.glob("*")):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:16]


def _cached(slow: bool) -> Path:
    """The fixture set for this make_fixtures.py, generated once and renamed into place."""
    root = _cache_root()
    final = root / f"tf_keras{'_slow' if slow else ''}-{_digest(slow)}"
    if (final / "done").exists():
        return final
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=root, prefix=".partial-"))
    try:
        _generate(work, slow)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    try:
        work.rename(final)
    except OSError:  # another session finished the same set first
        shutil.rmtree(work, ignore_errors=True)
    return final


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
def fixtures(real_dir) -> Path:
    return _cached(slow=False)


@pytest.fixture(scope="session")
def slow_fixtures(real_dir) -> Path:
    return _cached(slow=True)
