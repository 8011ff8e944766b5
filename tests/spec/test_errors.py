"""Every kind of bad input gets one clear error naming where it is: file, node, attribute and
YAML line. Checked through the library (structured fields) and through ``nnspec validate``
(exit status 1, the location in the text, never a traceback)."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import save_file

from nnspec.cli import main
from nnspec.spec.errors import Issue, SpecError
from nnspec.spec.io import load

DENSE_SPEC = """
inputs:
  x: {shape: [batch, 4]}
nodes:
  - {op: dense, name: d1, units: 3}
weights: w.safetensors
"""

GOOD_WEIGHTS = {"d1/kernel": np.zeros((4, 3), np.float32), "d1/bias": np.zeros(3, np.float32)}


def write_weights(arrays):
    def write(folder: Path) -> None:
        save_file(arrays, str(folder / "w.safetensors"))

    return write


def write_bytes(transform):
    def write(folder: Path) -> None:
        save_file(GOOD_WEIGHTS, str(folder / "w.safetensors"))
        path = folder / "w.safetensors"
        path.write_bytes(transform(path.read_bytes()))

    return write


@dataclass
class Case:
    id: str
    spec: str
    message: str  # regex searched in the issue's message
    line: int | None
    node: str | None = None
    attr: str | None = None
    hint: str | None = None
    prepare: object = None  # writes files beside the spec
    kind: str | None = None
    extra: dict = field(default_factory=dict)


CASES = [
    Case(
        "malformed_yaml_unclosed_brace",
        """
        inputs:
          x: {shape: [batch, 4]
        nodes:
          - {op: dense, units: 3}
        """,
        r"malformed YAML: .*'}'.* at line 2, column 6",
        line=3,
        kind="SchemaError",
    ),
    Case(
        "malformed_yaml_bad_indent",
        """
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - op: dense
            units: 2
           name: x
        """,
        r"malformed YAML",
        line=6,
    ),
    Case("not_a_mapping", "- op: dense\n", r"must be a mapping .* got a list", line=1),
    Case("empty_file", "", r"got an empty file", line=None),
    Case(
        "unknown_op_with_suggestion",
        """
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: dense, units: 3}
          - {op: densse, name: d2, units: 3}
        """,
        r"unknown op 'densse'",
        line=5,
        node="d2",
        attr="op",
        hint=r"did you mean 'dense'",
    ),
    Case(
        "missing_attribute",
        """
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: dense, name: d1}
        """,
        r"required attribute is missing",
        line=4,
        node="d1",
        attr="units",
    ),
    Case(
        "wrongly_typed_attribute",
        """
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: dense, name: d1, units: 3}
          - {op: conv2d, name: c1, filters: 2, kernel_size: three}
        """,
        r"got 'three'",
        line=5,
        node="c1",
        attr="kernel_size",
    ),
    Case(
        "unknown_attribute_typo",
        """
        inputs:
          x: {shape: [batch, 8, 8, 1]}
        nodes:
          - {op: conv2d, name: c1, filters: 2, kernel_size: 3,
             kernal_initializer: zeros}
        """,
        r"unknown attribute",
        line=5,
        node="c1",
        attr="kernal_initializer",
    ),
    Case(
        "unknown_top_level_field",
        """
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: dense, units: 3}
        ouputs: [dense_1]
        """,
        r"unknown field 'ouputs' \(did you mean 'outputs'\?\)",
        line=5,
        attr="ouputs",
    ),
    Case(
        "cycle_is_printed",
        """
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: dense, name: a, units: 4, inputs: [c]}
          - {op: dense, name: b, units: 4}
          - {op: dense, name: c, units: 4}
        """,
        r"cycle: 'a' -> 'b' -> 'c' -> 'a'",
        line=4,
        node="a",
        attr="inputs",
        kind="GraphError",
    ),
    Case(
        "duplicate_names",
        """
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: dense, name: hidden, units: 4}
          - {op: dense, name: hidden, units: 2}
        """,
        r"duplicate name 'hidden'",
        line=5,
        node="hidden",
        attr="name",
    ),
    Case(
        "unknown_input",
        """
        inputs:
          image: {shape: [batch, 4]}
        nodes:
          - {op: dense, name: d1, units: 4, inputs: [Image]}
        """,
        r"unknown input 'Image'",
        line=4,
        node="d1",
        attr="inputs",
        hint=r"did you mean 'image'",
    ),
    Case(
        "unknown_output",
        """
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: dense, name: d1, units: 4}
        outputs: [d1, ghost]
        """,
        r"output 'ghost' is not a node or input",
        line=5,
        attr="outputs",
    ),
    Case(
        "shape_mismatch_kernel_too_big",
        """
        inputs:
          x: {shape: [batch, 5, 5, 3]}
        nodes:
          - {op: conv2d, name: c1, filters: 4, kernel_size: 9}
        """,
        r"does not fit input \(5, 5\)",
        line=4,
        node="c1",
        attr="kernel_size",
        kind="AttrError",
    ),
    Case(
        "shape_mismatch_add",
        """
        inputs:
          a: {shape: [batch, 4]}
          b: {shape: [batch, 3]}
        nodes:
          - {op: add, name: sum, inputs: [a, b]}
        """,
        r"\(batch, 4\), \(batch, 3\)",
        line=5,
        node="sum",
    ),
    Case(
        "shape_mismatch_rank",
        """
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: conv2d, name: c1, filters: 4, kernel_size: 3}
        """,
        r"rank 4",
        line=4,
        node="c1",
        kind="ShapeError",
    ),
    Case(
        "weights_file_missing",
        DENSE_SPEC,
        r"weights file 'w.safetensors' not found",
        line=5,
        attr="weights",
        kind="WeightsError",
    ),
    Case(
        "weights_file_truncated",
        DENSE_SPEC,
        r"not a readable safetensors file",
        line=5,
        attr="weights",
        prepare=write_bytes(lambda b: b[: len(b) - 7]),
    ),
    Case(
        "weights_file_not_safetensors",
        DENSE_SPEC,
        r"not a readable safetensors file",
        line=5,
        attr="weights",
        prepare=write_bytes(lambda b: b"PK\x03\x04 a zip file"),
    ),
    Case(
        "weights_file_empty",
        DENSE_SPEC,
        r"not a readable safetensors file",
        line=5,
        attr="weights",
        prepare=write_bytes(lambda b: b""),
    ),
    Case(
        "weights_file_without_tensors",
        DENSE_SPEC,
        r"weights file 'w.safetensors' holds no weights",
        line=5,
        attr="weights",
        prepare=write_weights({}),
    ),
    Case(
        "weights_wrong_shape",
        DENSE_SPEC,
        r"weight 'kernel' has shape \(5, 3\), the spec implies \(4, 3\)",
        line=4,
        node="d1",
        prepare=write_weights({**GOOD_WEIGHTS, "d1/kernel": np.zeros((5, 3), np.float32)}),
    ),
    Case(
        "weights_wrong_dtype",
        DENSE_SPEC,
        r"weight 'bias' has dtype int32",
        line=4,
        node="d1",
        prepare=write_weights({**GOOD_WEIGHTS, "d1/bias": np.zeros(3, np.int32)}),
    ),
    Case(
        "weight_missing_from_file",
        DENSE_SPEC,
        r"weight 'bias' is missing",
        line=4,
        node="d1",
        prepare=write_weights({"d1/kernel": GOOD_WEIGHTS["d1/kernel"]}),
    ),
    Case(
        "unexpected_weight",
        DENSE_SPEC,
        r"unexpected weight 'd1/gamma'",
        line=4,
        node="d1",
        prepare=write_weights({**GOOD_WEIGHTS, "d1/gamma": np.zeros(3, np.float32)}),
    ),
]


@pytest.fixture(params=CASES, ids=lambda c: c.id)
def case_file(request, tmp_path):
    case: Case = request.param
    path = tmp_path / "model.yaml"
    path.write_text(textwrap.dedent(case.spec).lstrip("\n"), encoding="utf-8")
    if case.prepare:
        case.prepare(tmp_path)
    return case, path


def problems(path: Path) -> list[Issue]:
    """Errors from loading, then validating, as a library user meets them."""
    try:
        model = load(path)
    except SpecError as e:
        return e.issues
    return model.validate_spec().errors


def test_error_names_message_and_location(case_file):
    case, path = case_file
    issues = problems(path)
    assert len(issues) == 1, "\n".join(map(str, issues))
    issue = issues[0]
    assert re.search(case.message, issue.message), issue.message
    assert issue.file == str(path)
    assert (issue.line, issue.node, issue.attr) == (case.line, case.node, case.attr), str(issue)
    if case.hint:
        assert re.search(case.hint, issue.hint or ""), issue.hint
    if case.kind:
        assert issue.kind == case.kind


def test_cli_reports_it_on_one_line_with_exit_status_1(case_file, capsys):
    case, path = case_file
    assert main(["validate", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    located = f"{path}:{case.line}:" if case.line else f"{path}: "
    first = out.splitlines()[0]
    assert first.startswith(located), first
    assert re.search(case.message, first), first
    assert out.splitlines()[-1] == f"{path}: invalid (1 error)"


def test_cli_reports_every_error_of_every_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        textwrap.dedent("""
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: dense, name: d1}
          - {op: dense, name: d2, units: -1}
          - {op: densse, name: d3}
    """).lstrip("\n")
    )
    worse = tmp_path / "worse.yaml"
    worse.write_text("inputs: [\n")
    good = tmp_path / "good.yaml"
    good.write_text("inputs: {x: {shape: [batch, 4]}}\nnodes: [{op: dense, units: 1}]\n")
    assert main(["validate", str(bad), str(good), str(worse)]) == 1
    out = capsys.readouterr().out
    assert [
        line.split(":")[1]
        for line in out.splitlines()
        if line.startswith(str(bad) + ":") and "invalid" not in line
    ] == ["4", "5", "6"]
    assert f"{good}: ok" in out
    assert f"{worse}: invalid (1 error)" in out


def test_dead_node_is_a_warning_not_an_error(tmp_path, capsys):
    path = tmp_path / "m.yaml"
    path.write_text(
        textwrap.dedent("""
        inputs:
          x: {shape: [batch, 4]}
        nodes:
          - {op: dense, name: d1, units: 2}
          - {op: dense, name: d2, units: 2, inputs: [x]}
        outputs: [d2]
    """).lstrip("\n")
    )
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}:4:5: warning: node 'd1' (dense): does not contribute" in out
    assert f"{path}: ok (1 warning)" in out
