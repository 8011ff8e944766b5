"""One-step and ten-step parity: the seed models and a ResNet block, compiled in Keras, read
into a spec, then trained on the same batches by Keras (``train_on_batch``) and by PyTorch
(``nnspec.torch_training``). Weights and per-step losses must agree to float32 rounding."""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_same_training, batches

import nnspec

keras = pytest.importorskip("keras")
pytest.importorskip("torch")
layers = keras.layers
L2 = keras.regularizers.L2


def lstm():
    return keras.Sequential(
        [
            keras.Input((12, 5)),
            layers.LSTM(8, return_sequences=True, kernel_regularizer=L2(1e-3)),
            layers.LSTM(6, recurrent_regularizer=L2(1e-3)),
            layers.Dense(3, activation="softmax", kernel_regularizer=L2(1e-2)),
        ],
        name="lstm",
    )


def cnn_lstm():
    return keras.Sequential(
        [
            keras.Input((20, 3)),
            layers.Conv1D(8, 5, activation="relu", kernel_regularizer=L2(1e-3)),
            layers.MaxPooling1D(2),
            layers.LSTM(6, kernel_regularizer=L2(1e-3)),
            layers.Dense(3, activation="softmax"),
        ],
        name="cnn_lstm",
    )


def cnn():
    return keras.Sequential(
        [
            keras.Input((12, 12, 2)),
            layers.Conv2D(6, 3, padding="same", activation="relu", kernel_regularizer=L2(1e-3)),
            layers.MaxPooling2D(2),
            layers.Conv2D(8, 4, strides=2, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dense(3, activation="softmax", kernel_regularizer=L2(1e-2)),
        ],
        name="cnn",
    )


def embedding_bilstm():
    return keras.Sequential(
        [
            keras.Input((10,), dtype="int32"),
            layers.Embedding(20, 6, embeddings_regularizer=L2(1e-3)),
            layers.Bidirectional(layers.LSTM(5, kernel_regularizer=L2(1e-3))),
            layers.Dense(3, activation="softmax"),
        ],
        name="embedding_bilstm",
    )


def resnet_block():
    x = keras.Input((8, 8, 3), name="image")
    y = layers.Conv2D(6, 3, padding="same", use_bias=False, kernel_regularizer=L2(1e-3))(x)
    y = layers.BatchNormalization()(y)
    y = layers.ReLU()(y)
    # no bias before batch norm: its true gradient is 0, and Adam would amplify rounding noise
    z = layers.Conv2D(6, 3, padding="same", use_bias=False, kernel_regularizer=L2(1e-3))(y)
    z = layers.BatchNormalization()(z)
    y = layers.ReLU()(layers.Add()([y, z]))
    y = layers.GlobalAveragePooling2D()(y)
    return keras.Model(x, layers.Dense(3, activation="softmax")(y), name="resnet_block")


MODELS = {f.__name__: f for f in (lstm, cnn_lstm, cnn, embedding_bilstm, resnet_block)}


def _optimizer(name: str, epsilon: float = 1e-7):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.02, decay_steps=4, decay_rate=0.8)
    if name == "sgd":
        return keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True)
    if name == "adam":
        return keras.optimizers.Adam(schedule, epsilon=epsilon)
    return keras.optimizers.AdamW(schedule, weight_decay=0.01, epsilon=epsilon)


def _onehot(rng, batch):
    return np.eye(3, dtype=np.float32)[rng.integers(0, 3, batch)]


def _spec(model_name: str, optimizer: str):
    keras.utils.set_random_seed(0)  # the same initial weights whatever ran before
    model = MODELS[model_name]()
    # Batch norm leaves some conv-kernel gradients near 1e-7, where Adam's first step
    # lr * g / (|g| + 1e-7) amplifies float32 rounding: a larger epsilon keeps it measurable.
    epsilon = 1e-3 if model_name == "resnet_block" else 1e-7
    model.compile(_optimizer(optimizer, epsilon), "categorical_crossentropy", metrics=["accuracy"])
    return nnspec.from_keras(model)


# Two cases in the default suite (its time budget); the whole grid with -m slow.
FAST = {("cnn", "sgd"), ("resnet_block", "adamw")}
GRID = [
    pytest.param(m, o, id=f"{m}-{o}", marks=() if (m, o) in FAST else pytest.mark.slow)
    for m in MODELS
    for o in ("sgd", "adam", "adamw")
]


@pytest.mark.parametrize(("model_name", "optimizer"), GRID)
def test_one_and_ten_steps_match_keras(model_name, optimizer):
    spec = _spec(model_name, optimizer)
    assert spec.training.regularizers, "the case must exercise L2 penalties"
    assert_same_training(spec, batches(spec, _onehot, 10), checkpoints=(1, 10))
