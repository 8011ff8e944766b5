"""``Model`` is the one document type: it validates its own dump and any dict, dispatching
each node on ``op`` and importing only the op modules the document uses."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError
from spec_helpers import EXAMPLES

from nnspec.spec.io import load
from nnspec.spec.model import Model
from nnspec.spec.ops import catalog, op_modules


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_validates_its_own_dump(path):
    model = load(path, weights=False)
    dump = model.model_dump()
    assert Model.model_validate(dump).model_dump() == dump
    assert Model.model_validate_json(model.model_dump_json()).model_dump() == dump


def _first_sample_models():
    for tag, module in sorted(op_modules().items()):
        for sample in module.samples():
            if sample.attrs.get("op", tag) == tag:
                attrs = {k: v for k, v in sample.attrs.items() if k != "op"}
                node = catalog()[tag].model_validate({**attrs, "name": "n", "inputs": []})
                yield pytest.param(Model(inputs={}, nodes=[node]), id=tag)
                break


@pytest.mark.parametrize("model", _first_sample_models())
def test_every_op_validates_from_its_dump(model):
    dump = model.model_dump()
    again = Model.model_validate(dump)
    assert type(again.nodes[0]) is type(model.nodes[0])
    assert again.model_dump() == dump


def test_a_plain_dict_with_shorthands_validates():
    model = Model.model_validate(
        {
            "inputs": {"x": {"shape": ["batch", 8, 8, 1]}},
            "nodes": [{"op": "conv2d", "filters": 2, "kernel_size": 3}, {"op": "flatten"}],
        }
    )
    assert [n.name for n in model.nodes] == ["conv2d_1", "flatten_1"]
    assert model.nodes[0].kernel_size == (3, 3)
    assert model.outputs == ["flatten_1"]


def test_errors_name_the_node_index_op_and_attribute():
    with pytest.raises(ValidationError) as info:
        Model.model_validate(
            {
                "inputs": {"x": {"shape": ["batch", 3]}},
                "nodes": [{"op": "dense", "units": 2}, {"op": "dense", "untis": 2}, {"op": "dens"}],
            }
        )
    errors = {e["loc"]: e for e in info.value.errors()}
    assert ("nodes", 1, "dense", "untis") in errors
    assert ("nodes", 1, "dense", "units") in errors
    assert "did you mean 'dense'" in errors[("nodes", 2)]["msg"]
    assert not any(loc[:2] == ("nodes", 0) for loc in errors)


def test_a_node_without_op_is_an_error():
    with pytest.raises(ValidationError, match="needs an `op`"):
        Model.model_validate({"inputs": {"x": {"shape": ["batch", 3]}}, "nodes": [{"units": 2}]})


def test_validating_a_dict_imports_only_its_op_modules():
    code = (
        "import sys\nfrom nnspec.spec.model import Model\n"
        "Model.model_validate({'inputs': {'x': {'shape': ['batch', 4]}}, "
        "'nodes': [{'op': 'dense', 'units': 2}, {'op': 'dropout', 'rate': 0.1}]})\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules "
        "if m.startswith('nnspec.spec.ops.') and m != 'nnspec.spec.ops._index'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['dense', 'dropout']"


def test_the_shorthands_the_schema_allows_validate():
    model = Model.model_validate(
        {
            "inputs": {"x": {"shape": ["batch", 3]}},
            "nodes": [{"op": "dense", "name": "d", "units": 2, "inputs": "x"}],
            "outputs": "d",
        }
    )
    assert model.nodes[0].inputs == ["x"]
    assert model.outputs == ["d"]
