"""keras.ops arithmetic recorded in functional graphs, and layers defined inside
keras.applications: converted to existing ops (rescaling, merges, dropout, layer_scale)
with parity, or refused with a message naming the operation."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")


def _check(model, x=None):
    rng = np.random.default_rng(0)
    x = x if x is not None else rng.normal(0, 1, (2, *model.input_shape[1:])).astype("float32")
    ref = run_keras(model, [x])
    spec = nnspec.from_keras(model)
    assert_close(ref, run_torch(nnspec.to_torch(spec), [x]))
    rebuilt = nnspec.to_keras(spec)
    assert_close(ref, run_keras(rebuilt, [x]))
    assert model.count_params() == spec.count_params() == rebuilt.count_params()
    assert spec.count_params() == torch_param_count(nnspec.to_torch(spec))
    return spec


def _model(fn, shape=(4, 4, 3)):
    x = keras.Input(shape)
    return keras.Model(x, fn(x))


CONSTANT_CASES = {
    "x_plus_c": (lambda x: x + 3.0, 1.0, 3.0),
    "c_plus_x": (lambda x: 3.0 + x, 1.0, 3.0),
    "x_minus_c": (lambda x: x - 2.0, 1.0, -2.0),
    "c_minus_x": (lambda x: 2.0 - x, -1.0, 2.0),
    "x_times_c": (lambda x: x * (1 / 6), 1 / 6, 0.0),
    "c_times_x": (lambda x: 0.5 * x, 0.5, 0.0),
    "x_over_c": (lambda x: x / 4.0, 0.25, 0.0),
    "per_channel": (lambda x: x * np.array([1.0, 2.0, 3.0], "float32"), [1.0, 2.0, 3.0], 0.0),
}


@pytest.mark.parametrize("case", list(CONSTANT_CASES))
def test_tensor_and_constant_is_rescaling(case):
    fn, scale, offset = CONSTANT_CASES[case]
    spec = _check(_model(fn))
    (node,) = spec.nodes
    assert node.op == "rescaling"
    assert node.scale == pytest.approx(scale) and node.offset == pytest.approx(offset)


def test_hard_sigmoid_as_mobilenet_v3_writes_it():
    relu6 = keras.layers.ReLU(6.0)
    spec = _check(_model(lambda x: relu6(x + 3.0) * (1.0 / 6.0)))
    assert [n.op for n in spec.nodes] == ["rescaling", "relu", "rescaling"]


@pytest.mark.parametrize(
    "fn, op",
    [
        (lambda x: x + keras.layers.Dense(3)(x), "add"),
        (lambda x: x - keras.layers.Dense(3)(x), "subtract"),
        (lambda x: x * keras.ops.mean(x, axis=(1, 2), keepdims=True), "multiply"),
        (lambda x: keras.ops.maximum(x, keras.layers.Dense(3)(x)), "maximum"),
    ],
    ids=["add", "subtract", "mean", "maximum"],
)
def test_two_tensors_are_merges(fn, op):
    spec = _check(_model(fn))
    assert spec.nodes[-1].op == op


@pytest.mark.parametrize(
    "fn, ops",
    [
        (lambda x: 1.0 / x, ["divide"]),
        (lambda x: keras.ops.maximum(x, 0.5), ["clip"]),
        (lambda x: x * np.ones((4, 1, 3), "float32"), ["constant", "multiply"]),
    ],
    ids=["reciprocal", "maximum_constant", "constant_not_per_channel"],
)
def test_tensor_ops_with_constants(fn, ops):
    model = _model(fn)
    x = np.random.default_rng(0).uniform(0.5, 2.0, (2, 4, 4, 3)).astype("float32")
    spec = nnspec.from_keras(model)
    assert [n.op for n in spec.nodes] == ops
    assert_close(run_keras(model, [x]), run_torch(nnspec.to_torch(spec), [x]))


@pytest.mark.parametrize(
    "fn, match",
    [
        (lambda x: keras.ops.sum(x), "reduces the batch"),
        (lambda x: keras.ops.cumsum(x), "flattens the batch"),  # (x[:, ::-1] converts)
        (lambda x: keras.ops.max(x, axis=0), "batch axis"),
    ],
    ids=["sum_everything", "cumsum_flattened", "max_over_batch"],
)
def test_refusals_name_the_operation(fn, match):
    with pytest.raises(ConversionError, match="keras.ops") as e:
        nnspec.from_keras(_model(fn))
    assert e.match(match)


def test_einsum_dense_lora_is_refused():  # other equations: tests/frontends/keras/layers/
    layer = keras.layers.EinsumDense("abc,cd->abd", output_shape=(4, 5), lora_rank=2)
    with pytest.raises(ConversionError, match="lora_rank"):
        nnspec.from_keras(_model(layer, shape=(4, 3)))


def _traced_matches(model) -> list[str]:
    """Converted by tracing its own call (trace.py), not by the stock class of its name."""
    import torch

    spec = nnspec.from_keras(model)
    x = np.random.default_rng(0).normal(size=(2, *model.inputs[0].shape[1:])).astype("float32")
    with torch.no_grad():
        got = nnspec.to_torch(spec)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, np.asarray(model(x)), atol=1e-5)
    return [n.op for n in spec.nodes]


def test_layer_scale_of_another_library_is_traced():
    class LayerScale(keras.layers.Layer):  # same class name, not keras.applications'
        def build(self, shape):
            self.gamma = self.add_weight(shape=(shape[-1],), initializer="ones")

        def call(self, x):
            return x * self.gamma + 1.0

    assert "layer_scale" not in _traced_matches(_model(LayerScale()))


def test_stochastic_depth_of_another_library_is_traced():
    class StochasticDepth(keras.layers.Layer):  # keras_cv's adds its two inputs
        def call(self, x):
            return x * 3.0

    assert "identity" not in _traced_matches(_model(StochasticDepth()))


def test_layer_scale_round_trip_uses_einsum_dense():
    from keras.src.applications.convnext import LayerScale

    model = _model(lambda x: LayerScale(1e-6, 3)(x))
    model.layers[-1].set_weights([np.array([0.5, -1.0, 2.0], "float32")])
    spec = _check(model)
    assert [n.op for n in spec.nodes] == ["layer_scale"]
    rebuilt = nnspec.to_keras(spec)
    assert type(rebuilt.layers[-1]).__name__ == "EinsumDense"
    again = nnspec.from_keras(rebuilt)
    assert [n.model_dump() for n in again.nodes] == [n.model_dump() for n in spec.nodes]
