"""Golden files: the generated PyTorch and Keras source of representative specs, compared
exactly, so every change to the output shows up in review.

Rewrite them after an intended change with ``NNSPEC_UPDATE_GOLDEN=1 python -m pytest
tests/backends/test_golden.py`` and read the diff.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import GENERATED_RULES

import nnspec

GOLDEN = Path(__file__).parent.parent / "golden"
SPECS = sorted((GOLDEN / "specs").glob("*.yaml"))
UPDATE = os.environ.get("NNSPEC_UPDATE_GOLDEN") == "1"
TARGETS = {"torch": {}, "torch_channels_first": {"channels_first": True}, "keras": {}}


def _has_images(spec: Path) -> bool:
    return any(len(i.shape) >= 4 for i in nnspec.load(spec).inputs.values())


# channels_first=True only changes models with image inputs.
CASES = [
    pytest.param(spec, target, id=f"{spec.stem}-{target}")
    for spec in SPECS
    for target in TARGETS
    if target != "torch_channels_first" or _has_images(spec)
]


@pytest.mark.parametrize("spec, target", CASES)
def test_generated_source_matches_golden(spec, target):
    framework = target.split("_")[0]
    source = nnspec.emit(nnspec.load(spec), framework, **TARGETS[target])
    path = GOLDEN / f"{spec.stem}.{target}.py"
    if UPDATE:
        path.write_text(source, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with NNSPEC_UPDATE_GOLDEN=1"
    assert source == path.read_text(encoding="utf-8"), (
        f"{path.name} differs from the generated source; if the change is intended, rerun "
        "with NNSPEC_UPDATE_GOLDEN=1 and review the diff"
    )


def test_there_are_no_stale_golden_files():
    expected = {f"{spec.stem}.{target}.py" for spec, target in (c.values for c in CASES)}
    assert {p.name for p in GOLDEN.glob("*.py")} == expected


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_golden_files_are_lint_clean():
    result = subprocess.run(
        [shutil.which("ruff"), "check", "--isolated", "--select", GENERATED_RULES, "."],
        check=False,
        cwd=GOLDEN,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
