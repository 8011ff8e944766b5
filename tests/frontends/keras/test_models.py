"""Whole Keras models: Keras -> spec -> PyTorch and -> Keras with parity, idempotent round
trips, save/load, and every optimizer pass leaving the outputs unchanged."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, random_weights, run_keras, run_torch, torch_param_count

import nnspec

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
layers = keras.layers


def mnist_cnn():
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(8, 3, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2),
            layers.Conv2D(12, 4, strides=2, padding="same", activation="relu"),  # even kernel
            layers.Flatten(),  # after a conv: the channels-last order trap
            layers.Dropout(0.3),
            layers.Dense(10, activation="softmax"),
        ],
        name="mnist_cnn",
    )


def cnn_lstm():
    return keras.Sequential(
        [
            keras.Input((40, 3)),
            layers.Conv1D(16, 5, activation="relu"),
            layers.MaxPooling1D(2),
            layers.LSTM(12),
            layers.Dense(4, activation="softmax"),
        ],
        name="cnn_lstm",
    )


def residual():
    x = keras.Input((16, 16, 3), name="image")
    y = layers.Conv2D(8, 3, padding="same", use_bias=False)(x)
    y = layers.BatchNormalization(epsilon=1e-5)(y)
    y = layers.ReLU()(y)
    z = layers.Conv2D(8, 1)(y)
    y = layers.Add()([y, z])
    y = layers.Concatenate()([y, layers.AveragePooling2D(3, strides=1, padding="same")(y)])
    y = layers.GlobalAveragePooling2D()(y)
    return keras.Model(x, layers.Dense(5)(y), name="residual")


def shared_nested_multi_io():
    a, b = keras.Input((6,), name="a"), keras.Input((6,), name="b")
    shared = layers.Dense(5, activation="tanh")
    head = keras.Sequential([keras.Input((5,)), layers.Dense(4), layers.Dense(3)], name="head")
    return keras.Model([a, b], [head(shared(a)), head(shared(b)), shared(b)], name="multi")


MODELS = [mnist_cnn, cnn_lstm, residual, shared_nested_multi_io]


def _inputs(model: keras.Model, batch: int = 3):
    rng = np.random.default_rng(1)
    return [rng.normal(size=(batch, *x.shape[1:])).astype("float32") for x in model.inputs]


@pytest.fixture(params=MODELS, ids=lambda f: f.__name__)
def case(request):
    model = request.param()
    random_weights(model, std=0.3)
    return model, _inputs(model)


def test_keras_to_torch(case):
    model, x = case
    spec = nnspec.from_keras(model)
    module = nnspec.to_torch(spec)
    assert_close(run_keras(model, x), run_torch(module, x))
    assert torch_param_count(module) == model.count_params() == spec.count_params()


def test_spec_to_keras(case):
    model, x = case
    rebuilt = nnspec.to_keras(nnspec.from_keras(model))
    assert_close(run_keras(model, x), run_keras(rebuilt, x))
    assert rebuilt.count_params() == model.count_params()


def test_round_trip_is_idempotent(case):
    model, _ = case
    first = nnspec.from_keras(model)
    second = nnspec.from_keras(nnspec.to_keras(first))
    assert second.to_yaml().split("inputs:", 1)[1] == first.to_yaml().split("inputs:", 1)[1]
    assert second.params.keys() == first.params.keys()
    for k in first.params:
        np.testing.assert_array_equal(second.params[k], first.params[k])


def test_save_load_round_trip(case, tmp_path):
    model, x = case
    spec = nnspec.from_keras(model)
    spec.save(tmp_path / "m.yaml")
    loaded = nnspec.load(tmp_path / "m.yaml")
    assert loaded.to_yaml() == spec.to_yaml()
    assert_close(run_keras(model, x), run_torch(nnspec.to_torch(loaded), x))


def test_optimizer_passes_keep_outputs(case):
    from nnspec.spec.passes import PASSES

    model, x = case
    spec = nnspec.from_keras(model)
    ref = run_keras(model, x)
    for name, run_pass in PASSES.items():
        optimised = run_pass(spec)
        assert_close(ref, run_torch(nnspec.to_torch(optimised), x)), name


def test_channels_first_interface():
    model = mnist_cnn()
    random_weights(model, std=0.3)
    x = _inputs(model)
    module = nnspec.to_torch(nnspec.from_keras(model), channels_first=True)
    nchw = [np.ascontiguousarray(a.transpose(0, 3, 1, 2)) for a in x]
    assert_close(run_keras(model, x), run_torch(module, nchw))


def test_unsupported_layers_are_listed_together():
    x = keras.Input((4,))
    y = layers.Lambda(lambda t: t * 2, name="double")(x)

    class Custom(layers.Layer):  # traced, and refused: it calls TensorFlow on a tensor
        def call(self, t):
            import tensorflow as tf

            return tf.nn.relu(t)

    y = Custom(name="plus_one")(y)
    with pytest.raises(nnspec.ConversionError) as err:
        nnspec.from_keras(keras.Model(x, y))
    message = str(err.value)
    assert "'double' (Lambda)" in message and "'plus_one' (Custom)" in message
    assert "2 unsupported layer(s)" in message
