"""Property tests: valid specs mutated at random either load and validate, or fail with the
project's own SpecError; never anything else (KeyError, RecursionError, a pydantic error).

Three kinds of mutation: of the parsed data (values, keys, nodes, references), of the YAML
text (characters and lines), and of the weights. Specs that stay valid also go through
every optimizer pass, which must give a valid model back.
"""

from __future__ import annotations

import copy
import string

import numpy as np
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from spec_helpers import EXAMPLES

from nnspec.spec.checked import weight_decls
from nnspec.spec.errors import SpecError
from nnspec.spec.io import from_dict, loads
from nnspec.spec.ops import catalog
from nnspec.spec.passes import PASSES

EXTRA_BASES = [
    """
    inputs: {seq: {shape: [batch, time, 8]}, extra: {shape: [null, 4]}}
    nodes:
      - {op: lstm, name: rnn, units: 4, return_sequences: true, return_state: true}
      - {op: global_avg_pool1d, name: pooled}
      - {op: concatenate, name: joined, inputs: [pooled, "rnn:1", extra]}
      - {op: dense, name: head, units: 3, activation: softmax}
    outputs: [head, "rnn:2"]
    """,
    """
    inputs: {image: {shape: [batch, 16, 16, 3]}}
    nodes:
      - {op: conv2d, name: c1, filters: 4, kernel_size: 3, padding: same, use_bias: false}
      - {op: batch_norm, name: bn1}
      - {op: relu, name: r1}
      - {op: conv2d, name: c2, filters: 4, kernel_size: 3, padding: same}
      - {op: add, name: skip, inputs: [c2, r1]}
      - {op: global_max_pool2d, name: gp}
      - {op: dropout, name: drop, rate: 0.2}
      - {op: dense, name: logits, units: 5}
    """,
]

TEXTS = [p.read_text() for p in EXAMPLES] + [
    "\n".join(line[4:] for line in t.splitlines()) for t in EXTRA_BASES
]
BASES = [yaml.safe_load(t) for t in TEXTS]
OPS = sorted(catalog())
ATTRIBUTE_NAMES = sorted({k for cls in catalog().values() for k in cls.model_fields})
WORDS = [
    "batch",
    "time",
    "same",
    "valid",
    "causal",
    "relu",
    "softmax",
    "x",
    "image",
    "seq",
    "c1",
    "rnn:1",
    "rnn:9",
    "head",
    "",
    "float32",
    "int32",
    "concat",
    "-1",
    "1e9",
]

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 40),
    st.sampled_from([0, -1, 2**31, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS + OPS),
    st.text(max_size=6),
    st.lists(st.one_of(st.integers(-2, 9), st.none(), st.sampled_from(WORDS)), max_size=5),
    st.dictionaries(st.sampled_from(WORDS + ATTRIBUTE_NAMES), st.integers(-1, 5), max_size=2),
)


def paths(data, prefix=()):
    """Every (container, key) pair reachable in the parsed spec."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in list(items):
        yield data, key
        if isinstance(value, dict | list):
            yield from paths(value, (*prefix, key))


def node_list(spec) -> list:
    nodes = spec.get("nodes") if isinstance(spec, dict) else None
    return nodes if isinstance(nodes, list) and nodes else []


def set_value(draw, spec):
    container, key = draw(st.sampled_from(list(paths(spec))))
    container[key] = draw(values)


def delete(draw, spec):
    container, key = draw(st.sampled_from(list(paths(spec))))
    del container[key]


def misspell_key(draw, spec):
    dicts = [(c, k) for c, k in paths(spec) if isinstance(c, dict)]
    container, key = draw(st.sampled_from(dicts))
    at = draw(st.integers(0, len(str(key))))
    typo = str(key)[:at] + draw(st.sampled_from("aeiou_x")) + str(key)[at + 1 :]
    container[typo] = container.pop(key)


def change_op(draw, spec):
    nodes = [n for n in node_list(spec) if isinstance(n, dict)]
    if nodes:
        draw(st.sampled_from(nodes))["op"] = draw(st.sampled_from(OPS))


def add_attribute(draw, spec):
    nodes = [n for n in node_list(spec) if isinstance(n, dict)]
    if nodes:
        draw(st.sampled_from(nodes))[draw(st.sampled_from(ATTRIBUTE_NAMES))] = draw(values)


def rewire(draw, spec):
    nodes = [n for n in node_list(spec) if isinstance(n, dict)]
    if nodes:
        names = [n.get("name") for n in nodes if isinstance(n.get("name"), str)]
        inputs = spec.get("inputs")
        names += (list(inputs) if isinstance(inputs, dict) else []) + WORDS
        refs = st.lists(st.sampled_from(names or WORDS), max_size=3)
        draw(st.sampled_from(nodes))["inputs"] = draw(refs)


def reorder_nodes(draw, spec):
    nodes = node_list(spec)
    if nodes:
        spec["nodes"] = draw(st.permutations(nodes))


def duplicate_node(draw, spec):
    nodes = node_list(spec)
    if nodes:
        nodes.insert(draw(st.integers(0, len(nodes))), copy.deepcopy(draw(st.sampled_from(nodes))))


def set_outputs(draw, spec):
    names = [n.get("name") for n in node_list(spec) if isinstance(n, dict)]
    spec["outputs"] = draw(st.lists(st.sampled_from([*names, "rnn:1", "nowhere", 3]), max_size=3))


MUTATIONS = [
    set_value,
    delete,
    misspell_key,
    change_op,
    add_attribute,
    rewire,
    reorder_nodes,
    duplicate_node,
    set_outputs,
]


@st.composite
def mutated_specs(draw):
    spec = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        if isinstance(spec, dict) and spec:
            draw(st.sampled_from(MUTATIONS))(draw, spec)
    return spec


def load_and_validate(load):
    """Run ``load()`` then validation; a valid result goes through every pass too."""
    try:
        model = load()
        report = model.validate_spec()
    except SpecError as e:
        event(f"load: {e.issues[0].kind}")
        return
    event("valid" if report.ok else f"validate: {report.errors[0].kind}")
    if report.ok:
        for name, run in PASSES.items():
            result = run(model)
            assert result.validate_spec().ok, f"pass {name} broke a valid model"


@settings(max_examples=1000, **SETTINGS)
@given(mutated_specs())
def test_mutated_data_is_valid_or_a_spec_error(spec):
    load_and_validate(lambda: from_dict(spec, file="mutated.yaml"))


@settings(max_examples=300, **SETTINGS)
@given(mutated_specs())
def test_mutated_data_through_yaml_is_valid_or_a_spec_error(spec):
    text = yaml.safe_dump(spec, sort_keys=False)
    load_and_validate(lambda: loads(text, file="mutated.yaml"))


@st.composite
def mutated_texts(draw):
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.splitlines(keepends=True)
        kind = draw(st.sampled_from(["insert", "delete", "replace", "drop_line", "dup_line"]))
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        char = draw(st.sampled_from("{}[]:,-#&*!|>'\"%@\t\n ?" + string.ascii_letters[:6] + "0129"))
        if kind == "insert":
            text = text[:at] + char + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        elif kind == "replace":
            text = text[:at] + char + text[at + 1 :]
        elif lines:
            k = draw(st.integers(0, len(lines) - 1))
            lines[k : k + 1] = [] if kind == "drop_line" else [lines[k], lines[k]]
            text = "".join(lines)
    return text


@settings(max_examples=800, **SETTINGS)
@given(mutated_texts())
def test_mutated_yaml_text_is_valid_or_a_spec_error(text):
    load_and_validate(lambda: loads(text, file="mutated.yaml"))


@st.composite
def mutated_weights(draw):
    model = loads(TEXTS[-1])
    decls = {f"{n}/{p}": w for n, ws in weight_decls(model).items() for p, w in ws.items()}
    params = {}
    for key, w in decls.items():
        if draw(st.integers(0, 9)) == 0:
            continue  # missing
        shape = list(w.shape)
        if draw(st.integers(0, 5)) == 0:
            shape = draw(st.lists(st.integers(0, 5), max_size=4))
        dtype = draw(st.sampled_from(["float32"] * 4 + ["float16", "int32", "bool"]))
        params[key] = np.zeros(shape, dtype=dtype)
    if draw(st.booleans()):
        params[draw(st.sampled_from(["c1/gamma", "ghost/kernel", "nokey", "/", "c1/"]))] = np.zeros(
            2, np.float32
        )
    model.params = params
    return model


@settings(max_examples=200, **SETTINGS)
@given(mutated_weights())
def test_mutated_weights_are_reported_not_raised(model):
    report = model.validate_spec()
    if report.ok:
        for run in PASSES.values():
            assert run(model).validate_spec().ok
