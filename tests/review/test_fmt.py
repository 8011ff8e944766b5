"""`nnspec fmt`: the text `save` writes, byte-stable, comments kept beside their keys."""

from __future__ import annotations

import shutil

import pytest
from review_specs import BASE, EXAMPLES

from nnspec.cli import main
from nnspec.fmt import find_comments, format_spec
from nnspec.spec.io import dump_yaml, load, loads

COMMENTED = """\
# header comment
nnspec: 1
name: net   # trailing, on a top-level key
inputs:
  x: {shape: [batch, 4]}
nodes:
  # above the first node
  - {op: dense, name: d1, units: 8}  # beside d1 (its column kept)
  - op: dense        # a node written in block style
    name: d2
    units: 2
    use_bias: true   # a default: this key goes, the comment stays with d2
# at the end
"""


def test_canonical_is_what_save_writes():
    assert format_spec(BASE) == dump_yaml(loads(BASE))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_format_to_a_fixed_point(path):
    text = path.read_text()
    once = format_spec(text, str(path))
    assert format_spec(once, str(path)) == once
    assert dump_yaml(loads(once)) == dump_yaml(loads(text))  # the same spec
    assert [c.text for c in find_comments(once)] == [c.text for c in find_comments(text)]


def test_comments_are_found_outside_strings():
    texts = [c.text for c in find_comments(COMMENTED)]
    assert texts == [
        "# header comment",
        "# trailing, on a top-level key",
        "# above the first node",
        "# beside d1 (its column kept)",
        "# a node written in block style",
        "# a default: this key goes, the comment stays with d2",
        "# at the end",
    ]
    assert find_comments("a: \"x # y\"\nb: '#'\nc: x#y\n") == []


def test_comments_go_back_beside_their_keys():
    out = format_spec(COMMENTED)
    assert out == (
        "# header comment\n"
        "nnspec: 1\n"
        "name: net   # trailing, on a top-level key\n"
        "inputs:\n"
        "  x: {shape: [batch, 4], dtype: float32}\n"
        "nodes:\n"
        "# above the first node\n"
        "- {name: d1, op: dense, units: 8}    # beside d1 (its column kept)\n"
        "- {name: d2, op: dense, units: 2}  # a node written in block style "
        "# a default: this key goes, the comment stays with d2\n"
        "outputs: [d2]\n"
        "# at the end\n"
    )
    assert format_spec(out) == out


def test_check_prints_a_diff_and_exits_1(tmp_path, capsys):
    path = tmp_path / "net.yaml"
    path.write_text(BASE)
    assert main(["fmt", "--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"--- {path}\n+++ {path} (formatted)\n")
    assert "-  - {op: dense, name: probs, units: 10, activation: softmax}" in out
    assert path.read_text() == BASE  # --check writes nothing


def test_fmt_rewrites_then_check_passes(tmp_path, capsys):
    paths = [tmp_path / p.name for p in EXAMPLES]
    for src, dst in zip(EXAMPLES, paths):
        shutil.copy(src, dst)
    assert main(["fmt", *map(str, paths)]) == 0
    assert capsys.readouterr().out.count("reformatted ") == len(paths)
    assert main(["fmt", "--check", *map(str, paths)]) == 0
    assert capsys.readouterr().out == ""
    for src, dst in zip(EXAMPLES, paths):
        assert load(dst).model_dump() == load(src).model_dump()


def test_a_file_that_does_not_parse_is_left_alone(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(BASE.replace("op: flatten", "op: flaten"))
    assert main(["fmt", str(path)]) == 1
    err = capsys.readouterr().err
    assert "unknown op 'flaten'" in err and f"{path}: not formatted (it does not parse)" in err
    assert path.read_text() == BASE.replace("op: flatten", "op: flaten")
