"""Masks are explicit in a spec: an implicit Keras mask without a consumer input is refused."""

import pytest

import nnspec

IMPLICIT = """
nnspec: 1
name: text
inputs: {ids: {shape: [batch, 7], dtype: int32}}
nodes:
  - {op: embedding, name: emb, input_dim: 20, output_dim: 4, mask_zero: true}
  - {op: lstm, name: lstm, units: 3}
"""


def test_recurrent_node_without_mask_after_mask_zero_is_refused():
    with pytest.raises(nnspec.SpecError) as err:
        nnspec.loads(IMPLICIT, file="text.yaml").check()
    issue = err.value.issues[0]
    assert (issue.file, issue.node, issue.attr, issue.line) == (
        "text.yaml",
        "lstm",
        "mask_value",
        7,
    )
    assert "mask_zero" in issue.message and "mask_value: 0" in issue.hint


def test_explicit_mask_is_valid():
    explicit = IMPLICIT.replace(
        "{op: lstm, name: lstm, units: 3}",
        "{op: lstm, name: lstm, units: 3, inputs: [emb, ids], mask_value: 0}",
    )
    assert nnspec.loads(explicit).validate_spec().ok
