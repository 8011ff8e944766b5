"""A spec without a ``training:`` section never builds Training's schema (the largest of any
class: a first conversion paid ~25 ms for it), and one with it validates as before."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from nnspec.spec.io import loads
from nnspec.spec.model import Model

SPEC = """\
nnspec: 1
name: m
inputs: {x: {shape: [batch, 5]}}
nodes:
  - {op: dense, name: out, units: 3}
"""
TRAINING = (
    "training:\n  optimizer: {name: sgd, learning_rate: 0.1}\n  loss: {name: mean_squared_error}\n"
)


def test_a_spec_without_training_leaves_training_unbuilt():
    code = (
        "import sys\nfrom nnspec.spec.io import loads\n"
        f"m = loads({SPEC!r})\nm.model_dump()\n"
        "print('nnspec.spec.training' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False"]


def test_a_training_section_is_still_validated_in_place():
    model = loads(SPEC + TRAINING)
    assert model.training is not None and model.training.optimizer.learning_rate == 0.1
    raw = model.model_dump(mode="json")
    assert Model.model_validate(raw).training == model.training
    with pytest.raises(ValidationError) as e:
        Model.model_validate({**raw, "training": {"optimizer": {"name": "sgd"}, "bogus": 1}})
    assert {err["loc"] for err in e.value.errors()} >= {("training", "loss"), ("training", "bogus")}
