"""`nnspec diff`: renames, attribute changes, inserted nodes, downstream shapes, parameter
and weight deltas, the four formats, and bad input (versions, invalid specs, no weights)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from review_specs import BASE, CHANGED

from nnspec.cli import main
from nnspec.diff import diff_files
from nnspec.spec.checked import weight_decls
from nnspec.spec.io import loads, save


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_rename_attribute_change_and_insert(pair):
    d = diff_files(*map(str, pair))
    by_name = {c.name: c for c in d.changed}
    assert by_name["stem"].renamed and by_name["stem"].old_name == "conv1"
    assert not by_name["stem"].own_change  # kernel_size [3, 3] and padding: valid are defaults
    assert [r.name for r in d.added] == ["hidden"]
    assert d.removed == []  # the rename is not a removal plus an addition
    assert by_name["conv2"].attrs == [("filters", 64, 48)]
    assert by_name["conv2"].params == (18_496, 13_872)
    assert by_name["probs"].inputs == (["flatten"], ["hidden"])
    assert by_name["probs"].params == (16_010, 650)


def test_rename_with_an_attribute_change_is_a_rename(tmp_path, capsys):
    """conv2 renamed features and its filters changed: recognised by op and wiring (same
    input, same consumer), reported as one renamed node with the change, not remove + add."""
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE)
    b.write_text(
        BASE.replace("name: conv2, filters: 64", "name: features, filters: 48").replace(
            "name: pool2,", "name: pool2, inputs: [features],"
        )
    )
    d = diff_files(str(a), str(b))
    assert (d.added, d.removed) == ([], [])
    by_name = {c.name: c for c in d.changed}
    assert by_name["features"].old_name == "conv2"
    assert by_name["features"].attrs == [("filters", 64, 48)]
    assert by_name["pool2"].inputs is None  # pool2 still reads the same (renamed) node
    code, out, _ = run(capsys, "diff", a, b)
    assert code == 1
    assert "features (conv2d): renamed from 'conv2'" in out and "filters: 64 -> 48" in out


def test_same_op_elsewhere_is_not_taken_for_a_rename(tmp_path):
    """A removed node and an added one of the same op but other inputs stay remove + add."""
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE)
    b.write_text(
        BASE.replace(
            "  - {op: dense, name: probs,",
            "  - {op: dense, name: hidden, units: 8, inputs: [flatten]}\n"
            "  - {op: dense, name: probs, inputs: [hidden],",
        )
    )
    d = diff_files(str(a), str(b))
    assert [r.name for r in d.added] == ["hidden"] and d.removed == []


def test_downstream_shapes_are_told_apart(pair):
    d = diff_files(*map(str, pair))
    downstream = {c.name: c.shape for c in d.changed if not c.own_change and not c.renamed}
    assert downstream == {
        "pool2": ("(batch, 5, 5, 64)", "(batch, 5, 5, 48)"),
        "flatten": ("(batch, 1600)", "(batch, 1200)"),
    }
    assert d.total_params("a") == 320 + 18_496 + 16_010
    assert d.total_params("b") == 320 + 13_872 + 1200 * 64 + 64 + 650


def test_equal_specs_written_differently(tmp_path, capsys):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE)
    b.write_text(
        BASE.replace("kernel_size: 3,", "kernel_size: [3, 3], strides: 1,").replace(
            "pool_size: 2}", "pool_size: [2, 2]}"
        )
    )
    code, out, _ = run(capsys, "diff", a, b)
    assert (code, out.strip()) == (0, f"{a} -> {b}: no semantic differences")


def test_text_and_exit_status(pair, capsys):
    code, out, _ = run(capsys, "diff", *pair)
    assert code == 1
    lines = out.splitlines()
    assert "1 changed" not in lines[0] and "2 changed, 1 added, 1 renamed" in lines[0]
    assert "parameters 34,826 -> 91,706 (+56,880)" in lines[0]
    assert "~ conv2 (conv2d): filters: 64 -> 48" in out
    assert "> stem (conv2d): renamed from 'conv1'" in out
    assert "+ hidden (dense): inputs ['flatten']; units: 64" in out


def test_markdown_is_a_table(pair, capsys):
    code, out, _ = run(capsys, "diff", "--format", "markdown", *pair)
    assert code == 1
    assert out.startswith("### nnspec diff:")
    assert "| renamed | `conv1` → `stem` | conv2d |" in out
    assert "| changed | `conv2` | conv2d | filters: 64 → 48;" in out
    assert "| added | `hidden` | dense |" in out and "| +76,864 |" in out


def test_json(pair, capsys):
    code, out, _ = run(capsys, "diff", "--format", "json", *pair)
    data = json.loads(out)
    assert code == 1 and not data["equal"] and data["valid"]
    conv2 = next(c for c in data["changed"] if c["name"] == "conv2")
    assert conv2["attrs"] == {"filters": {"old": 64, "new": 48}}
    assert data["params"] == {"a": 34_826, "b": 91_706}


def test_github_annotates_changed_lines_of_b(pair, capsys):
    _, out, _ = run(capsys, "diff", "--format", "github", *pair)
    lines = {line.split("::", 2)[2].split(" ")[1]: line for line in out.splitlines()}
    assert f"file={pair[1]},line=8," in lines["'conv2'"]  # the `filters` key of conv2
    assert f"file={pair[1]},line=11," in lines["'hidden'"]
    assert f"file={pair[1]},line=6," in lines["'stem'"]


def _with_weights(text: str, path, seed: int, tweak=None):
    model = loads(text)
    rng = np.random.default_rng(seed)
    params = {
        f"{n}/{p}": rng.normal(size=w.shape).astype("float32")
        for n, ws in weight_decls(model).items()
        for p, w in ws.items()
    }
    if tweak:
        tweak(params)
    model.params = params
    save(model, path)
    return params


def test_weights_hash_and_max_abs_diff(tmp_path, capsys):
    a, b = tmp_path / "a" / "net.yaml", tmp_path / "b" / "net.yaml"
    wa = _with_weights(BASE, a, 0)

    def tweak(params):
        params["conv2/bias"] = wa["conv2/bias"] + 0.25

    _with_weights(BASE, b, 0, tweak)
    d = diff_files(str(a), str(b))
    assert [(w.key, w.status) for w in d.weights] == [("conv2/bias", "changed")]
    assert d.weights[0].max_abs == pytest.approx(0.25)
    assert d.weights[0].old_hash != d.weights[0].new_hash
    code, out, _ = run(capsys, "diff", a, b)
    assert code == 1 and "w conv2/bias: changed, max abs diff 0.25" in out


def test_weights_follow_a_rename(tmp_path):
    a, b = tmp_path / "a" / "net.yaml", tmp_path / "b" / "net.yaml"
    wa = _with_weights(BASE, a, 0)

    def rename(params):
        for p in ("kernel", "bias"):
            params[f"stem/{p}"] = wa[f"conv1/{p}"]

    _with_weights(CHANGED.replace("filters: 48", "filters: 64"), b, 0, rename)
    d = diff_files(str(a), str(b))
    statuses = {w.key: w.status for w in d.weights}
    assert "stem/kernel" not in statuses  # the same tensor under the new name
    assert statuses["hidden/kernel"] == "added" and statuses["probs/kernel"] == "reshaped"


def test_missing_weights_file_is_said(tmp_path, capsys):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE + "weights: a.safetensors\n")
    b.write_text(BASE + "weights: b.safetensors\n")
    code, out, _ = run(capsys, "diff", a, b)
    assert code == 0
    assert "note: " in out and "'a.safetensors' not found: structure compared, weights not" in out


def test_different_format_versions(tmp_path, capsys):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE)
    b.write_text(BASE.replace("nnspec: 1", "nnspec: 2"))
    code, out, err = run(capsys, "diff", a, b)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"nnspec diff: error: {a} is format version 1 and {b} is 2: "
        "specs of different format versions cannot be compared"
    )


def test_invalid_spec_reports_what_it_can_then_the_errors(tmp_path, capsys):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE)
    b.write_text(BASE.replace("units: 10", "units: 12").replace("op: flatten", "op: flaten"))
    code, out, _ = run(capsys, "diff", a, b)
    assert code == 1
    assert "~ probs (dense): units: 10 -> 12" in out
    errors = out.split("validation errors", 1)[1]
    assert "node 'flatten', attribute 'op': unknown op 'flaten'" in errors


def test_shape_error_in_b_still_diffs(tmp_path, capsys):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE)
    b.write_text(BASE.replace("name: pool2, pool_size: 2", "name: pool2, pool_size: 20"))
    code, out, _ = run(capsys, "diff", a, b)
    assert code == 1
    assert "~ pool2 (max_pool2d): pool_size: [2, 2] -> [20, 20]" in out
    assert "validation errors" in out and "node 'pool2' (max_pool2d)" in out


@pytest.mark.parametrize("bad", ["missing.yaml", "notyaml"], ids=["missing", "malformed"])
def test_unreadable_file_is_a_usage_error(tmp_path, capsys, bad):
    a = tmp_path / "a.yaml"
    a.write_text(BASE)
    if bad == "notyaml":
        (tmp_path / bad).write_text("nodes: [unclosed\n")
    code, _, err = run(capsys, "diff", a, tmp_path / bad)
    assert code == 2 and err.startswith("nnspec diff: error: ") and len(err.splitlines()) == 1
