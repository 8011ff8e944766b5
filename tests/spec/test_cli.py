"""The ``nnspec`` command line: validate in three formats, summary, schema, optimize, and
exit statuses (0 ok, 1 invalid, 2 usage)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import random_params
from spec_helpers import EXAMPLES

from nnspec.cli import COMMANDS, github_annotation, main
from nnspec.spec.errors import Issue
from nnspec.spec.gen_schema import schema
from nnspec.spec.io import load, loads, save

BAD = """
inputs:
  x: {shape: [batch, 4]}
nodes:
  - {op: dense, name: d1, units: 2, inputs: [elsewhere]}
  - {op: dense, name: d2, units: 2, inputs: [nowhere]}
"""

GOOD = """
inputs:
  x: {shape: [batch, 6]}
nodes:
  - {op: dense, name: hidden, units: 4}
  - {op: batch_norm, name: bn}
  - {op: activation, name: relu, activation: relu}
  - {op: dropout, name: drop, rate: 0.5}
  - {op: dense, name: out, units: 2}
"""


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- validate ---------------------------------------------------------------------------------


def test_validate_examples_ok(capsys):
    code, out, _ = run(capsys, "validate", *map(str, EXAMPLES))
    assert code == 0
    assert out.splitlines() == [f"{p}: ok" for p in EXAMPLES]


def test_validate_text_lists_errors_then_a_status_line(write_spec, capsys):
    path = write_spec(BAD)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{path}:4:") and "unknown input 'elsewhere'" in lines[0]
    assert lines[1].startswith(f"{path}:5:") and "unknown input 'nowhere'" in lines[1]
    assert lines[-1] == f"{path}: invalid (2 errors)"


def test_validate_json(write_spec, capsys):
    bad, good = write_spec(BAD, "bad.yaml"), write_spec(GOOD, "good.yaml")
    code, out, _ = run(capsys, "validate", "--format", "json", str(bad), str(good))
    assert code == 1
    report = json.loads(out)
    assert report["valid"] is False
    assert [(f["file"], f["valid"]) for f in report["files"]] == [
        (str(bad), False),
        (str(good), True),
    ]
    first = report["files"][0]["issues"][0]
    assert (first["node"], first["attr"], first["line"], first["severity"]) == (
        "d1",
        "inputs",
        4,
        "error",
    )


def test_validate_json_ok(write_spec, capsys):
    code, out, _ = run(capsys, "validate", "--format=json", str(write_spec(GOOD)))
    assert code == 0 and json.loads(out)["valid"] is True


def test_validate_github_annotations(write_spec, capsys):
    path = write_spec(BAD)
    code, out, _ = run(capsys, "validate", "--format", "github", str(path))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"::error file={path},line=4,col=")
    assert "title=nnspec GraphError::node 'd1' (dense), attribute 'inputs': unknown" in lines[0]


def test_github_annotation_escapes_and_warns():
    issue = Issue(
        "a\nb: 100%",
        node="n",
        file="dir/a,b.yaml",
        line=3,
        column=1,
        severity="warning",
        kind="GraphError",
        hint="x",
    )
    assert github_annotation(issue, "unused") == (
        "::warning file=dir/a%2Cb.yaml,line=3,col=1,title=nnspec GraphError::"
        "node 'n': a%0Ab: 100%25 (hint: x)"
    )


def test_validate_unreadable_file(tmp_path, capsys):
    code, out, err = run(capsys, "validate", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert "cannot read spec" in out and "Traceback" not in out + err


def test_validate_reports_a_bug_as_one_line(write_spec, capsys, monkeypatch):
    import nnspec.spec.validate

    def broken(model, **kw):
        raise KeyError("oops")

    monkeypatch.setattr(nnspec.spec.validate, "validate", broken)
    path = write_spec(GOOD)
    code, out, err = run(capsys, "validate", str(path), str(path))
    assert code == 1
    assert out.count("internal error: KeyError: 'oops'") == 2
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["validate"],
        ["validate", "--format", "xml", "m.yaml"],
        ["frobnicate"],
        ["summary"],
        ["optimize", "in.yaml"],
        ["optimize", "in.yaml", "-o", "o.yaml", "--passes", "nope"],
        ["schema", "extra"],
    ],
    ids=[
        "nothing",
        "no_file",
        "bad_format",
        "unknown_command",
        "summary_no_file",
        "optimize_no_output",
        "unknown_pass",
        "schema_extra_argument",
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert "usage: nnspec" in err and "Traceback" not in out + err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in COMMANDS:
        assert name in out


# --- summary ----------------------------------------------------------------------------------


def test_summary_table(capsys):
    path = next(p for p in EXAMPLES if p.stem == "mnist_cnn")
    code, out, _ = run(capsys, "summary", str(path))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == 'Model: "mnist_cnn"'
    header = next(line for line in lines if line.startswith("Node"))
    assert header.split() == ["Node", "Op", "Output", "shape", "Params", "Inputs"]
    conv1 = next(line for line in lines if line.startswith("conv1 "))
    assert conv1.split() == ["conv1", "conv2d", "(batch,", "26,", "26,", "32)", "320", "image"]
    total = load(path).count_params()
    assert f"Total params: {total:,} (" in out


def test_summary_of_an_invalid_spec(write_spec, capsys):
    code, out, _ = run(capsys, "summary", str(write_spec(BAD)))
    assert code == 1 and "unknown input 'nowhere'" in out


def test_summary_shows_every_output_of_a_node(write_spec, capsys):
    path = write_spec("""
        inputs: {x: {shape: [batch, 5, 3]}}
        nodes: [{op: lstm, name: rnn, units: 2, return_state: true}]
        outputs: [rnn, "rnn:1"]
    """)
    code, out, _ = run(capsys, "summary", str(path))
    assert code == 0
    assert "(batch, 2) (batch, 2) (batch, 2)" in out


# --- schema -----------------------------------------------------------------------------------


def test_schema_prints_the_json_schema(capsys):
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert json.loads(out) == schema()


# --- optimize ---------------------------------------------------------------------------------


@pytest.fixture
def trained(tmp_path):
    model = loads(GOOD)
    model.params = random_params(model)
    path = tmp_path / "in" / "model.yaml"
    save(model, path)
    return path


def test_optimize_writes_spec_and_weights(trained, tmp_path, capsys):
    before = {p.name: p.read_bytes() for p in trained.parent.iterdir()}
    out_path = tmp_path / "out" / "small.yaml"
    code, out, _ = run(capsys, "optimize", str(trained), "-o", str(out_path))
    assert code == 0
    assert f"{out_path}: 5 -> 2 nodes" in out
    assert sorted(p.name for p in out_path.parent.iterdir()) == ["small.safetensors", "small.yaml"]
    result = load(out_path)
    assert [(n.name, n.op) for n in result.nodes] == [("hidden", "dense"), ("out", "dense")]
    assert result.node("hidden").activation == "relu"
    assert result.validate_spec().ok
    assert {p.name: p.read_bytes() for p in trained.parent.iterdir()} == before


def test_optimize_beside_its_input_keeps_the_input_weights(trained, capsys):
    before = (trained.parent / "model.safetensors").read_bytes()
    out_path = trained.parent / "model.opt.yaml"
    assert run(capsys, "optimize", str(trained), "-o", str(out_path))[0] == 0
    assert (trained.parent / "model.safetensors").read_bytes() == before
    assert load(trained).validate_spec().ok
    assert load(out_path).weights == "model.opt.safetensors"


def test_optimize_with_named_passes(trained, tmp_path, capsys):
    out_path = tmp_path / "o.yaml"
    code, out, _ = run(
        capsys, "optimize", str(trained), "-o", str(out_path), "--passes", "identities,dead_nodes"
    )
    assert code == 0 and "(passes: identities,dead_nodes)" in out
    assert [n.op for n in load(out_path).nodes] == ["dense", "batch_norm", "activation", "dense"]


def test_optimize_an_invalid_spec_exits_1(write_spec, tmp_path, capsys):
    code, _, err = run(capsys, "optimize", str(write_spec(BAD)), "-o", str(tmp_path / "o.yaml"))
    assert code == 1 and "unknown input 'nowhere'" in err
    assert not (tmp_path / "o.yaml").exists()


def test_python_dash_m_runs_the_cli(write_spec):
    proc = subprocess.run(
        [sys.executable, "-m", "nnspec", "validate", str(write_spec(BAD))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "unknown input 'nowhere'" in proc.stdout
