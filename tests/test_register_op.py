"""The registration API lets a user add an op with its Keras and PyTorch mappings."""

from typing import Literal

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch

import nnspec
from nnspec.spec import Node
from nnspec.spec.ops import catalog, unregister_op

SPEC = """
nnspec: 1
name: cubes
inputs: {x: {shape: [batch, 3]}}
nodes:
  - {op: cube}
  - {op: dense, units: 2}
"""


@pytest.fixture
def cube_op():
    from nnspec.backends.keras.registry import REGISTRY as KERAS
    from nnspec.backends.keras.registry import converter as keras_converter
    from nnspec.backends.torch.registry import REGISTRY as TORCH
    from nnspec.backends.torch.registry import converter as torch_converter

    @nnspec.register_op
    class Cube(Node):
        op: Literal["cube"] = "cube"

        def infer(self, x):
            return x

    @torch_converter(Cube)
    def cube(node, ctx):
        return f"{ctx.x} * {ctx.x} * {ctx.x}"

    @keras_converter(Cube)
    def cube_keras(node, ctx):
        return f"ops.power({ctx.x}, 3)"

    yield Cube
    unregister_op("cube")
    TORCH.converters.pop(Cube)
    KERAS.converters.pop(Cube)


def test_registered_op_builds_in_both_frameworks(cube_op):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    model = nnspec.loads(SPEC)
    assert "cube" in catalog()
    x = [np.random.default_rng(0).normal(size=(4, 3)).astype("float32")]
    assert_close(run_keras(nnspec.to_keras(model), x), run_torch(nnspec.to_torch(model), x))


def test_registering_twice_is_an_error(cube_op):
    with pytest.raises(ValueError, match="already registered"):
        nnspec.register_op(cube_op)


def test_unknown_op_is_a_schema_error_without_registration():
    with pytest.raises(nnspec.SpecError, match="unknown op 'cube'"):
        nnspec.loads(SPEC)
