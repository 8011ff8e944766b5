"""Hypothesis strategies for the fuzz suite: hostile versions of real files.

- ``yaml_texts``: a real spec's text with characters, lines and byte sequences mutated;
- ``spec_trees``: a real spec's parsed data with values swapped for hostile ones (huge,
  negative, booleans, NaN, deep, wrong types) and keys added, removed or misspelt;
- ``weights_files``: a valid spec with a safetensors file of wrong keys, shapes and dtypes
  (bfloat16 and float8 included), or a damaged header;
- ``model_file_bytes``: random bytes, or a real ``.keras`` file with bytes flipped.
"""

from __future__ import annotations

import copy
import json
import re
import struct
from pathlib import Path

import yaml
from hypothesis import strategies as st

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
KERAS_EXAMPLE = (ROOT / "examples" / "mnist_cnn.keras").read_bytes()

RICH = """nnspec: 1
name: rich
metadata: {source: fuzz, notes: [a, b]}
inputs:
  image: {shape: [batch, 8, 8, 2]}
  seq: {shape: [batch, time, 4]}
nodes:
  - {op: conv2d, name: c1, filters: 3, kernel_size: 3, padding: same, activation: relu}
  - {op: batch_norm, name: bn}
  - {op: time_distributed, name: td, inputs: [seq], layer: {op: dense, units: 2}}
  - {op: lstm, name: rnn, inputs: [td], units: 3, return_state: true}
  - {op: global_avg_pool2d, name: gp, inputs: [bn]}
  - {op: concatenate, name: joined, inputs: [gp, "rnn:1"]}
  - {op: dense, name: head, units: 2, activation: softmax}
outputs: [head, "rnn:2"]
"""

TEXTS = [p.read_text() for p in EXAMPLES] + [RICH]
TREES = [yaml.safe_load(t) for t in TEXTS]

# Characters that change what YAML means, and bytes that are not text at all.
SIGNIFICANT = list("{}[]:,-#&*!|>'\"%@?\t\n ") + ["\\", "\x00", "\x1b", "\u202e", "\ufeff"]
SNIPPETS = [
    "&a [*a]",
    "*a",
    "<<: {units: 1}",
    "!!python/object:os.system",
    "!!binary AAAA",
    "9" * 5000,
    "[" * 200,
    "- " * 100,
    "units: 3, units: 4",
    ".nan",
    "-.inf",
    "0x7fffffffffffffff",
    "1e400",
    "~",
    "yes",
    '"\\e[31m"',
    "? [a, b]\n: c",
    "-5",
    "0",
    "true",
    "1000000000000",
    "[batch, -1]",
    "[]",
    "{}",
    "../../etc/passwd",
    '"a\\0b"',
]

HOSTILE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.sampled_from([0, -1, 2**31, 2**63, 10**12, 10**400 - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["batch", "x", "relu", "same", "rnn:1", "rnn:99", "", "\x1b[2J", "../x"]),
    st.lists(st.integers(-2, 2**40), max_size=4),
    st.recursive(st.integers(0, 3), lambda k: st.lists(k, max_size=2), max_leaves=80),
)


_VALUE = re.compile(r"(?<=: )[^,\]\}\n]+")  # a scalar after a key: `units: 10` -> "10"


@st.composite
def yaml_files(draw) -> bytes:
    """A mutated spec text, mostly UTF-8, sometimes Latin-1 or UTF-16."""
    text = draw(yaml_texts())
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


@st.composite
def yaml_texts(draw) -> str:
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, max(len(text) - 1, 0)))
        kinds = ["insert", "delete", "replace", "snippet", "value", "value", "line", "cut"]
        kind = draw(st.sampled_from(kinds))
        piece = draw(st.sampled_from(SNIPPETS if kind in ("snippet", "value") else SIGNIFICANT))
        values = list(_VALUE.finditer(text))
        if kind == "value" and values:  # a hostile value where a value belongs
            m = draw(st.sampled_from(values))
            text = text[: m.start()] + piece + text[m.end() :]
        elif kind in ("insert", "snippet", "value"):
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif kind == "replace":
            text = text[:at] + piece + text[at + 1 :]
        elif kind == "cut":
            text = text[:at]
        else:
            lines = text.splitlines(keepends=True)
            if lines:
                k = draw(st.integers(0, len(lines) - 1))
                lines.insert(draw(st.integers(0, len(lines))), lines[k])
                text = "".join(lines)
    return text


def _places(data):
    """Every (container, key) in the tree."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in list(items):
        yield data, key
        if isinstance(value, dict | list):
            yield from _places(value)


@st.composite
def spec_trees(draw):
    tree = copy.deepcopy(draw(st.sampled_from(TREES)))
    for _ in range(draw(st.integers(1, 4))):
        places = list(_places(tree))
        container, key = draw(st.sampled_from(places))
        kind = draw(st.sampled_from(["value", "delete", "add", "misspell", "nest"]))
        if kind == "value":
            container[key] = draw(HOSTILE_VALUES)
        elif kind == "delete":
            del container[key]
        elif kind == "add" and isinstance(container, dict):
            name = draw(
                st.sampled_from(["units", "layer", "inputs", "shape", "weights", "op", "zz"])
            )
            container[name] = draw(HOSTILE_VALUES)
        elif kind == "misspell" and isinstance(container, dict) and isinstance(key, str) and key:
            container[key[:-1] + draw(st.sampled_from("aeix_"))] = container.pop(key)
        elif kind == "nest":
            value = container[key]
            for _ in range(draw(st.integers(1, 300))):
                value = draw(st.sampled_from([[value], {"layer": value, "op": "time_distributed"}]))
            container[key] = value
    return tree


# safetensors dtype -> bytes per value.
ST_DTYPES = {
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
    "I64": 8,
    "BOOL": 1,
    "F64": 8,
    "XX": 4,
}


def safetensors_bytes(tensors: dict[str, tuple[str, list[int]]], damage: int = 0) -> bytes:
    """A safetensors file of zeros; ``damage`` > 0 corrupts the header length or the data."""
    header, data = {}, b""
    for name, (dtype, shape) in tensors.items():
        n = ST_DTYPES[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + n]}
        data += b"\0" * n
    text = json.dumps(header).encode()
    blob = struct.pack("<Q", len(text)) + text + data
    if damage == 1:
        blob = struct.pack("<Q", 2**40) + blob[8:]
    elif damage == 2:
        blob = blob[: len(blob) // 2]
    elif damage == 3:
        blob = blob[:8] + b"{" + blob[9:]
    return blob


@st.composite
def weights_files(draw) -> tuple[str, bytes]:
    """(spec text, weights file bytes) for the RICH spec, whose weights it gets wrong."""
    from nnspec.spec.checked import weight_decls
    from nnspec.spec.io import loads

    model = loads(RICH)
    tensors = {}
    for node, weights in weight_decls(model).items():
        for param, w in weights.items():
            if draw(st.integers(0, 6)) == 0:
                continue
            shape = list(w.shape)
            if draw(st.integers(0, 4)) == 0:
                shape = draw(st.lists(st.integers(0, 6), max_size=3))
            dtype = draw(st.sampled_from(["F32"] * 5 + sorted(ST_DTYPES)))
            tensors[f"{node}/{param}"] = (dtype, shape)
    if draw(st.booleans()):
        tensors[draw(st.sampled_from(["ghost/kernel", "nokey", "/", "c1/", "c1/gamma"]))] = (
            "F32",
            [2],
        )
    return RICH + "weights: w.safetensors\n", safetensors_bytes(tensors, draw(st.integers(0, 6)))


@st.composite
def model_file_bytes(draw) -> bytes:
    if draw(st.booleans()):
        return draw(st.binary(max_size=2048))
    data = bytearray(KERAS_EXAMPLE)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    if draw(st.integers(0, 3)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)
