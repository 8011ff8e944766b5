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
name: squares
inputs: {x: {shape: [batch, 3]}}
nodes:
  - {op: square}
  - {op: dense, units: 2}
"""


@pytest.fixture
def square_op():
    from nnspec.backends.keras.registry import REGISTRY as KERAS
    from nnspec.backends.keras.registry import converter as keras_converter
    from nnspec.backends.torch.registry import REGISTRY as TORCH
    from nnspec.backends.torch.registry import converter as torch_converter

    @nnspec.register_op
    class Square(Node):
        op: Literal["square"] = "square"

        def infer(self, x):
            return x

    @torch_converter(Square)
    def square(node, ctx):
        return f"{ctx.x} * {ctx.x}"

    @keras_converter(Square)
    def square_keras(node, ctx):
        return f"ops.square({ctx.x})"

    yield Square
    unregister_op("square")
    TORCH.converters.pop(Square)
    KERAS.converters.pop(Square)


def test_registered_op_builds_in_both_frameworks(square_op):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    model = nnspec.loads(SPEC)
    assert "square" in catalog()
    x = [np.random.default_rng(0).normal(size=(4, 3)).astype("float32")]
    assert_close(run_keras(nnspec.to_keras(model), x), run_torch(nnspec.to_torch(model), x))


def test_registering_twice_is_an_error(square_op):
    with pytest.raises(ValueError, match="already registered"):
        nnspec.register_op(square_op)


def test_unknown_op_is_a_schema_error_without_registration():
    with pytest.raises(nnspec.SpecError, match="unknown op 'square'"):
        nnspec.loads(SPEC)
