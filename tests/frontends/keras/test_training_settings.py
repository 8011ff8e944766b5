"""Training-only settings (regularizers, constraints) never stop an inference conversion: a
setting whose ``get_config()`` fails is dropped with a note (a compiled model's serialisable
settings go to the ``training:`` section, frontends/keras/training.py)."""

import keras
import numpy as np
from helpers import assert_close, run_keras, run_torch

import nnspec


class NoConfigRegularizer(keras.regularizers.Regularizer):  # no get_config(): Keras raises
    def __call__(self, w):
        return 0.01 * keras.ops.sum(w**2)


class NoConfigConstraint(keras.constraints.Constraint):
    def __call__(self, w):
        return w


def _model():
    x = keras.Input((5, 4))
    y = keras.layers.Dense(
        3,
        name="dense",
        kernel_regularizer=NoConfigRegularizer(),
        activity_regularizer=NoConfigRegularizer(),
        bias_regularizer="l2",
        kernel_constraint=NoConfigConstraint(),
    )(x)
    y = keras.layers.LSTM(2, name="lstm", recurrent_regularizer=NoConfigRegularizer())(y)
    return keras.Model(x, y)


def test_unserialisable_regularizer_is_dropped_with_a_note(capsys):
    model = _model()
    spec = nnspec.from_keras(model)
    err = capsys.readouterr().err
    for part in ("'dense'", "dropped kernel_regularizer", "dropped activity_regularizer"):
        assert part in err, f"{part!r} missing from: {err}"
    assert "'lstm' (LSTM): dropped recurrent_regularizer" in err
    assert isinstance(model.get_layer("dense").kernel_regularizer, NoConfigRegularizer)
    x = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    assert_close(run_keras(model, [x]), run_torch(nnspec.to_torch(spec), [x]))
