"""Specs that used to validate although they are wrong (issue 9): impossible dimensions,
values YAML or pydantic coerced silently, misspelt attributes, NaN weights."""

from __future__ import annotations

import pytest

from nnspec.cli import main
from nnspec.spec.budget import check_fits, param_bytes
from nnspec.spec.errors import SchemaError, SpecError
from nnspec.spec.io import loads


def spec(shape: str = "[batch, 4]", node: str = "{op: dense, units: 3}") -> str:
    return f"nnspec: 1\ninputs:\n  x: {{shape: {shape}}}\nnodes:\n  - {node}\n"


@pytest.mark.parametrize(
    "shape, message",
    [
        ("[batch, -3]", "a dimension is a positive integer, a name such as batch, or null; got -3"),
        ("[batch, 0]", "got 0"),
        ("[batch, true]", "got True"),
        ("[batch, 4.0]", "got 4.0"),
        ('[batch, "two words"]', "got 'two words'"),
        ("[]", "a shape includes the batch axis"),
    ],
    ids=["negative", "zero", "true", "float", "not_a_name", "rank0"],
)
def test_impossible_input_shapes(shape, message):
    with pytest.raises(
        SchemaError, match=r"<spec>:3:\d+: node 'x', attribute 'shape[.\d]*': "
    ) as e:
        loads(spec(shape))
    assert message in str(e.value)


def test_summary_never_shows_negative_params(write_spec, capsys):
    assert main(["summary", str(write_spec(spec("[batch, -3]")))]) == 1
    out, err = capsys.readouterr()
    assert "Total params" not in out and "got -3" in err


@pytest.mark.parametrize(
    "attrs, message",
    [
        ("units: true", "attribute 'units': expected a number, got True"),
        ("units: yes", "attribute 'units': expected a number, got True"),  # YAML 1.1
        ("units: 3, use_bias: 1", "attribute 'use_bias': expected a boolean, got 1"),
        ('units: 3, use_bias: "yes"', "attribute 'use_bias': expected a boolean, got 'yes'"),
        ("units: 3, activation: 7", "attribute 'activation': expected a string"),
    ],
    ids=["true_as_int", "yes_as_int", "int_as_bool", "string_as_bool", "int_as_string"],
)
def test_values_lax_mode_would_coerce(attrs, message):
    with pytest.raises(SchemaError, match=r"<spec>:5:\d+: node 'nodes\[0\]' \(dense\), ") as e:
        loads(spec(node=f"{{op: dense, {attrs}}}"))
    assert message in str(e.value)


def test_shorthands_and_yaml_floats_still_read():
    model = loads(
        spec("[batch, 8, 8, 2]", "{op: conv2d, filters: 2, kernel_size: 3, strides: [1, 1]}")
        + "  - {op: batch_norm, epsilon: 1e-3, momentum: 0.9}\n"
    )
    assert model.nodes[0].kernel_size == (3, 3)
    assert model.nodes[1].epsilon == 0.001


def test_a_misspelt_attribute_gets_a_suggestion():
    with pytest.raises(SchemaError) as e:
        loads(spec(node="{op: dense, units: 3, activaton: relu}"))
    assert "attribute 'activaton': unknown attribute" in str(e.value)
    assert e.value.issues[0].hint == "did you mean 'activation'?"


def test_a_misspelt_input_field_gets_a_suggestion():
    with pytest.raises(SchemaError) as e:
        loads("nnspec: 1\ninputs:\n  x: {shap: [batch, 4]}\nnodes:\n  - {op: relu}\n")
    assert any(i.hint == "did you mean 'shape'?" for i in e.value.issues)


def test_parameter_bytes_are_known_before_building():
    model = loads(spec(node="{op: dense, units: 1000000000000}"))
    total, node, _ = param_bytes(model)
    assert (total, node) == ((4 * 10**12 + 10**12) * 4, "dense_1")
    with pytest.raises(
        SpecError,
        match=r"parameters need 18\.2 TiB \(20,000,000,000,000 bytes\), "
        r"more than the 1\.0 GiB of memory available to build it",
    ):
        check_fits(model, available=1 << 30)
    check_fits(loads(spec()), available=1 << 30)


def test_to_torch_refuses_before_allocating():
    pytest.importorskip("torch")
    import nnspec

    with pytest.raises(SpecError, match="more than the .* of memory available to build it"):
        nnspec.to_torch(loads(spec(node="{op: dense, units: 1000000000000}")))
