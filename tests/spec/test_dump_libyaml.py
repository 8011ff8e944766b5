"""`dump_yaml` writes with libyaml's emitter only where it gives PyYAML's bytes exactly.

Both emitters get the same represented data; libyaml's differs for some strings (non-ASCII,
control characters, empty keys, keys of 123-127 characters), and ``libyaml_writes_it`` must
send every such document to PyYAML's.
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_helpers import EXAMPLES

from nnspec.spec import write
from nnspec.spec.io import dump_yaml, load, loads
from nnspec.spec.write import _Flow, libyaml_writes_it, to_dict

pytestmark = pytest.mark.skipif(write._CDumper is None, reason="PyYAML built without libyaml")

OPTIONS = dict(sort_keys=False, allow_unicode=True, width=1 << 20, default_flow_style=False)


def both(data: object) -> tuple[str, str]:
    return (
        yaml.dump(data, Dumper=write._Dumper, **OPTIONS),
        yaml.dump(data, Dumper=write._CDumper, **OPTIONS),
    )


# Where the two emitters differ: each must be refused, and each really differs.
DIFFERING = {
    "astral_character": {"name": "\U0001f600"},
    "next_line": {"name": "a\x85b"},
    "carriage_return_key": {"\r": 1},
    "empty_key": {"": 1},
    "key_of_123": {"k" * 123: 1},
    "key_of_127_in_a_node": {"nodes": [_Flow({"k" * 127: 1})]},
}


@pytest.mark.parametrize("data", DIFFERING.values(), ids=DIFFERING.keys())
def test_refused_where_the_emitters_differ(data):
    python, libyaml = both(data)
    assert python != libyaml
    assert not libyaml_writes_it(data)


# Plain strings that PyYAML must quote, and other awkward ones: the emitters agree.
AWKWARD = ["", " ", "yes", "null", "~", "1e3", "0x1f", "- a", "a: b", "#x", "a #b", "'", '"']
AWKWARD += ["\\", "@", "`", "!", "&a", "*a", "%", "{", "[", "a,b", "?", "|", "---"]
AWKWARD += ["...", "<<", "=", " a", "a ", "2001-12-14", ".inf", "-.5", "1_000", "x" * 300]


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
def test_awkward_ascii_strings_are_written_alike(text):
    data = {
        "name": text,
        "metadata": {"note": text, "list": [text, 1.5, None, True], "deep": {"k": [text]}},
        "nodes": [_Flow(name=text, op="dense", units=3, kernel_size=[3, 3], note=text)],
        "outputs": [text],
    }
    assert libyaml_writes_it(data)
    python, libyaml = both(data)
    assert python == libyaml


_ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)
_KEYS = _ASCII.filter(bool)
_SCALARS = _ASCII | st.integers() | st.floats() | st.booleans() | st.none()
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_KEYS, inner, max_size=3)
        | st.dictionaries(_KEYS, inner, max_size=3).map(_Flow)
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(_KEYS, _VALUES, max_size=5))
def test_any_document_it_accepts_is_written_alike(data):
    if libyaml_writes_it(data):
        python, libyaml = both(data)
        assert python == libyaml


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_are_written_alike(path):
    data = to_dict(load(path, weights=False))
    assert libyaml_writes_it(data)
    python, libyaml = both(data)
    assert dump_yaml(load(path, weights=False)) == python == libyaml


def test_a_spec_with_unicode_names_is_written_by_pyyaml():
    model = loads(
        "nnspec: 1\ninputs:\n  x: {shape: [batch, 4]}\n"
        'nodes:\n  - {op: dense, name: "t\\u00eate\U0001f600", units: 2}\n'
    )
    assert not libyaml_writes_it(to_dict(model))
    text = dump_yaml(model)
    assert text == yaml.dump(to_dict(model), Dumper=write._Dumper, **OPTIONS)
    assert "- {name: tête\U0001f600, op: dense, units: 2}" in text
