"""YAML and safetensors I/O: lossless round trips, deterministic and atomic saves, and
weights files that must stay beside the spec."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from helpers import random_params
from spec_helpers import EXAMPLES

from nnspec.spec.errors import SpecError, WeightsError
from nnspec.spec.io import atomic_write, load, loads, save, to_dict

RICH = """
nnspec: 1
name: rich
metadata: {source: keras, version: "3.3.3", notes: [a, b]}
inputs:
  seq: {shape: [batch, time, 8], dtype: float32}
  extra: {shape: [null, 4]}
nodes:
  - {op: lstm, name: rnn, units: 4, return_sequences: true, return_state: true}
  - {op: global_avg_pool1d, name: pooled}
  - {op: concatenate, name: joined, inputs: [pooled, "rnn:1", extra]}
  - {op: dense, name: head, units: 3, activation: softmax, kernel_initializer: he_normal}
outputs: [head, "rnn:2"]
"""


def test_load_dump_load_is_identity():
    first = loads(RICH)
    second = loads(first.to_yaml())
    assert to_dict(second) == to_dict(first)
    assert second.to_yaml() == first.to_yaml()
    assert second.metadata == {"source": "keras", "version": "3.3.3", "notes": ["a", "b"]}
    assert second.inputs["extra"].shape == [None, 4]
    assert second.outputs == ["head", "rnn:2"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_round_trip_and_validate(path):
    model = load(path)
    assert model.validate_spec().ok
    again = loads(model.to_yaml())
    assert to_dict(again) == to_dict(model)
    assert again.validate_spec().ok


def test_shorthand_is_written_out_in_full_and_reads_back_the_same():
    model = loads(
        """
        inputs: {x: {shape: [batch, 8, 8, 1]}}
        nodes:
          - {op: conv2d, filters: 2, kernel_size: 3}
          - {op: flatten, inputs: conv2d_1}
          - {op: dense, units: 2}
    """.replace("\n        ", "\n")
    )
    text = model.to_yaml()
    assert "name: conv2d_1" in text and "kernel_size: [3, 3]" in text
    assert "outputs: [dense_1]" in text
    assert to_dict(loads(text)) == to_dict(model)


def test_dump_orders_keys_readably():
    text = loads(RICH).to_yaml()
    assert text.index("nnspec:") < text.index("name:") < text.index("metadata:")
    assert text.index("inputs:") < text.index("nodes:") < text.index("outputs:")
    assert "- {name: head, op: dense, units: 3, activation: softmax" in text


def test_save_is_byte_deterministic(tmp_path):
    model = loads(RICH)
    model.params = random_params(model)
    save(model, tmp_path / "a" / "m.yaml")
    save(model, tmp_path / "b" / "m.yaml")
    save(loads((tmp_path / "a" / "m.yaml").read_text()), tmp_path / "c" / "m.yaml", weights=False)
    for name in ("m.yaml", "m.safetensors"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "c" / "m.yaml").read_bytes() == (tmp_path / "a" / "m.yaml").read_bytes()


def test_save_leaves_no_temporary_file(tmp_path):
    model = loads(RICH)
    model.params = random_params(model)
    save(model, tmp_path / "m.yaml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors", "m.yaml"]


def test_failed_write_keeps_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "m.yaml"
    target.write_text("old")

    def write_half_then_fail(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, write_half_then_fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.yaml"]


def test_weights_round_trip_through_safetensors(tmp_path):
    model = loads(RICH)
    model.params = random_params(model, seed=4)
    model.params["head/kernel"] = model.params["head/kernel"].astype(np.float16)
    save(model, tmp_path / "m.yaml")
    assert "weights: m.safetensors" in (tmp_path / "m.yaml").read_text()
    again = load(tmp_path / "m.yaml")
    assert sorted(again.params) == sorted(model.params)
    for key, value in model.params.items():
        assert again.params[key].dtype == value.dtype
        np.testing.assert_array_equal(again.params[key], value)


@pytest.mark.parametrize(
    "weights",
    ["../outside.safetensors", "sub/../../outside.safetensors", "/tmp/absolute.safetensors"],
)
def test_weights_path_leaving_the_folder_is_refused(tmp_path, weights):
    folder = tmp_path / "spec"
    folder.mkdir()
    (tmp_path / "outside.safetensors").write_bytes(b"")
    path = folder / "m.yaml"
    path.write_text(
        textwrap.dedent(f"""
        inputs: {{x: {{shape: [batch, 2]}}}}
        nodes: [{{op: dense, units: 1}}]
        weights: {weights}
    """)
    )
    with pytest.raises(WeightsError, match="leaves the spec's folder") as err:
        load(path)
    assert (err.value.attr, err.value.line) == ("weights", 4)


def test_weights_below_the_folder_are_allowed(tmp_path):
    model = loads("inputs: {x: {shape: [batch, 2]}}\nnodes: [{op: dense, units: 1}]\n")
    model.params = random_params(model)
    (tmp_path / "w").mkdir()
    from nnspec.spec.io import save_weights

    save_weights(model.params, tmp_path / "w" / "p.safetensors")
    model.weights = "w/p.safetensors"
    (tmp_path / "m.yaml").write_text(model.to_yaml())
    assert sorted(load(tmp_path / "m.yaml").params) == ["dense_1/bias", "dense_1/kernel"]


def test_load_without_weights_reads_no_file(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(
        "inputs: {x: {shape: [batch, 2]}}\nnodes: [{op: dense, units: 1}]\n"
        "weights: missing.safetensors\n"
    )
    assert load(path, weights=False).params == {}
    with pytest.raises(SpecError, match="not found"):
        load(path)


def test_line_marks_survive_a_deep_copy():
    import copy

    model = loads("inputs: {x: {shape: [batch, 2]}}\nnodes:\n  - {op: dense, units: 1}\n")
    assert copy.deepcopy(model).mark("nodes", 0, "units") == (3, 17)
