"""The event-built reading of plain YAML gives exactly the full loader's data, and leaves
everything else (and every error) to the full loader."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nnspec.spec.errors import SchemaError
from nnspec.spec.io import _SafeLoader, _StrictLoader, loads
from nnspec.spec.yaml_events import NOT_PLAIN, load_plain

ROOT = Path(__file__).parents[2]
PLAIN = {
    "scalars": "a: [1, -3, +4, 0, -0, 2.5, .inf, -.inf, .NaN, 1e3, -.5, 685.230_15e+03, 0.]\n",
    "booleans_nulls": "b: [true, No, yes, off, ~, null, Null, '']\nc:\n",
    "quoted": "'a': \"1\"\nb: 'true'\n",
    "nested": "a:\n  - b\n  -\n  - {}\n  - []\n  - {c: [d, {e: f}]}\n",
    "keys": "2: a\ntrue: b\n~: c\n",
    "empty_document": "---\n",
}
NOT_PLAIN_TEXTS = {
    "alias": "a: &x 1\nb: *x\n",
    "duplicate_key": "a: 1\na: 2\n",
    "equal_keys": "1: a\n1.0: b\n",
    "tag": "- !!str 1\n",
    "non_specific_tag": "x: ! 12\n",
    "octal": "x: 07\n",
    "hex": "x: 0x1f\n",
    "underscore_int": "x: 1_000\n",
    "sexagesimal": "x: 1:30\n",
    "timestamp": "x: 2001-01-01\n",
    "merge": "<<: {a: 1}\n",
    "complex_key": "? [a]\n: 1\n",
    "two_documents": "--- 1\n--- 2\n",
    "empty": "",
    "syntax_error": "a: [1, 2\n",
    "huge_int": "k: " + "9" * 1200 + "\n",
}


@pytest.mark.parametrize("text", PLAIN.values(), ids=PLAIN.keys())
def test_plain_yaml_reads_as_the_full_loader_reads_it(text):
    fast = load_plain(text, _SafeLoader)
    assert fast is not NOT_PLAIN
    assert repr(fast) == repr(yaml.load(text, Loader=_StrictLoader))  # types too: 1 vs 1.0


@pytest.mark.parametrize("text", NOT_PLAIN_TEXTS.values(), ids=NOT_PLAIN_TEXTS.keys())
def test_anything_else_is_left_to_the_full_loader(text):
    assert load_plain(text, _SafeLoader) is NOT_PLAIN


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "examples").glob("*.yaml")) + sorted((ROOT / "tests").rglob("*.yaml")),
    ids=lambda p: p.name,
)
def test_repository_specs_read_the_same(path):
    text = path.read_text(encoding="utf-8")
    fast = load_plain(text, _SafeLoader)
    if fast is not NOT_PLAIN:
        assert repr(fast) == repr(yaml.load(text, Loader=_StrictLoader))


def test_a_duplicate_key_is_still_reported_with_both_lines():
    with pytest.raises(SchemaError, match=r"key 'units' is given twice \(first at line 4"):
        loads(
            "nnspec: 1\ninputs: {x: {shape: [batch, 4]}}\nnodes:\n"
            "  - {op: dense, units: 2,\n     units: 3}\n"
        )


@pytest.mark.parametrize("flow", [True, False])
def test_the_event_reader_refuses_deep_text_as_check_depth_does(flow):
    """load_plain counts depth itself (so the line-scan bound runs only before the full
    loader): the same error, at the same line and column, and exactly past MAX_DEPTH."""
    from nnspec.spec.nesting import MAX_DEPTH, check_depth

    def nested(levels: int) -> str:
        if flow:
            return "x: 1\na: " + "[" * (levels - 1) + "]" * (levels - 1) + "\n"
        keys = "".join(" " * i + f"k{i}:\n" for i in range(levels))  # the root, then one each
        return "x: 1\n" + keys + " " * 70 + "v\n"

    assert load_plain(nested(MAX_DEPTH), _SafeLoader) is not NOT_PLAIN
    check_depth(nested(MAX_DEPTH), "m.yaml", _SafeLoader)  # no error either
    with pytest.raises(SchemaError) as plain:
        load_plain(nested(MAX_DEPTH + 1), _SafeLoader, "m.yaml")
    with pytest.raises(SchemaError) as scanned:
        check_depth(nested(MAX_DEPTH + 1), "m.yaml", _SafeLoader)
    assert str(plain.value) == str(scanned.value)
    assert f"deeper than {MAX_DEPTH} levels" in str(plain.value)
