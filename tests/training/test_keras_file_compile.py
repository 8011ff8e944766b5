"""A ``.keras`` file saved compiled: its compile config (config.json's ``compile_config``) is
read as JSON into the ``training:`` section, as from the live model; a custom optimizer class
in it is refused by name, not taken for Keras' class of the same name."""

from __future__ import annotations

import json
import zipfile

import pytest

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
layers = keras.layers


def _model():
    return keras.Sequential(
        [
            keras.Input((6,)),
            layers.Dense(5, activation="relu", kernel_regularizer=keras.regularizers.L2(0.01)),
            layers.Dense(3, activation="softmax", name="out"),
        ],
        name="m",
    )


def _compiled():
    model = _model()
    schedule = keras.optimizers.schedules.ExponentialDecay(0.02, decay_steps=4, decay_rate=0.8)
    model.compile(
        keras.optimizers.AdamW(schedule, weight_decay=0.01, epsilon=1e-5, clipnorm=1.0),
        keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=["accuracy"],
    )
    return model


def test_keras_file_compile_config_is_read(tmp_path):
    model = _compiled()
    path = tmp_path / "m.keras"
    model.save(path)
    from_file = nnspec.load_keras_file(path)
    assert from_file.training is not None
    assert from_file.training == nnspec.from_keras(model).training
    t = from_file.training
    assert (t.optimizer.name, t.optimizer.epsilon, t.optimizer.clipnorm) == ("adamw", 1e-5, 1.0)
    assert t.optimizer.learning_rate.schedule == "exponential_decay"
    assert t.loss.label_smoothing == pytest.approx(0.1)
    assert t.metrics == ["categorical_accuracy"]
    assert t.regularizers  # the layer's L2 joins the file's loss


def test_uncompiled_keras_file_has_no_training(tmp_path):
    _model().save(tmp_path / "u.keras")
    assert nnspec.load_keras_file(tmp_path / "u.keras").training is None


def test_custom_optimizer_class_in_the_file_is_refused(tmp_path):
    _compiled().save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as z:
        files = {n: z.read(n) for n in z.namelist()}
    config = json.loads(files["config.json"])
    config["compile_config"]["optimizer"].update(module="my_lab.optim", registered_name="AdamW")
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "custom.keras", "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    with pytest.raises(ConversionError, match=r"custom class.*my_lab"):
        nnspec.load_keras_file(tmp_path / "custom.keras")
