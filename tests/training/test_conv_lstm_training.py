"""A ConvLSTM2D model trained by Keras and by the generated PyTorch module on the same
batches: weights and losses agree; dropout, which the generated loop does not draw, is
refused by name."""

from __future__ import annotations

import numpy as np
import pytest
from parity import assert_same_training, batches

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
pytest.importorskip("torch")
layers = keras.layers


def _model(**options):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((3, 6, 6, 2)),
            layers.ConvLSTM2D(
                4,
                3,
                padding="same",
                return_sequences=True,
                kernel_regularizer=keras.regularizers.L2(1e-3),
                **options,
            ),
            layers.ConvLSTM2D(3, 2, strides=2, padding="same"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(3, activation="softmax"),
        ],
        name="conv_lstm",
    )


def _onehot(rng, batch):
    return np.eye(3, dtype=np.float32)[rng.integers(0, 3, batch)]


@pytest.mark.slow
def test_ten_steps_match_keras():
    model = _model()
    model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy")
    spec = nnspec.from_keras(model)
    assert_same_training(spec, batches(spec, _onehot, 10, batch=4))


def test_dropout_in_training_refused():
    model = _model(dropout=0.2)
    model.compile(keras.optimizers.SGD(0.01), "categorical_crossentropy")
    spec = nnspec.from_keras(model)
    module = nnspec.to_torch(spec)  # inference: dropout is the identity
    with pytest.raises(ConversionError, match=r"conv_lstm2d.*dropout"):
        nnspec.torch_training(spec, module)
