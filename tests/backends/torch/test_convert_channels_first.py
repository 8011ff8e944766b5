"""``nnspec convert --channels-first``: the written module takes and returns NCHW images,
and the parity check feeds it so."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnspec.cli import main

pytest.importorskip("torch")
pytest.importorskip("keras")

SPEC = Path(__file__).parents[2] / "golden" / "specs" / "multi_input.yaml"


def test_convert_channels_first(tmp_path, capsys):
    assert main(["convert", str(SPEC), "-o", str(tmp_path), "--channels-first", "-q"]) == 0
    report = capsys.readouterr().out
    assert report.count(" ok") == 2  # both outputs agree with Keras
    forward = (tmp_path / "multi_input.py").read_text().split("def forward")[1]
    assert ".permute(0, 3, 1, 2)" not in forward and "return score, heatmap\n" in forward


def test_report_with_channels_first(tmp_path):
    """--report compares every node of the NCHW module too (fed NCHW images), and names no
    fallback module: the generated one is read even with no NODE_IDS in its file."""
    import json

    out = tmp_path / "r.json"
    args = ["convert", str(SPEC), "-o", str(tmp_path / "o"), "--channels-first", "-q"]
    assert main([*args, "--report", "--report-json", str(out)]) == 0
    data = json.loads(out.read_text())
    rows = {r["node"]: r["status"] for r in data["rows"]}
    assert rows == dict.fromkeys(
        ["conv", "pool", "flat", "meta", "joined", "score", "heatmap"], "ok"
    )
    assert data["notes"] == [] and data["first_divergence"] is None
