"""from_keras reads compile() and the layers' training settings; to_keras compiles the same
way; the section survives YAML; unconvertible settings are refused by name."""

from __future__ import annotations

import pytest

import nnspec
from nnspec.spec.errors import ConversionError, SpecError

keras = pytest.importorskip("keras")
layers = keras.layers


def _model(**dense):
    return keras.Sequential(
        [
            keras.Input((7, 4)),
            layers.LSTM(5, recurrent_regularizer=keras.regularizers.L1(0.01), name="lstm"),
            layers.BatchNormalization(name="bn"),
            layers.Dense(3, activation="softmax", name="out", **dense),
        ],
        name="m",
    )


def test_compile_config_and_layer_settings_round_trip(tmp_path):
    model = _model(
        kernel_regularizer=keras.regularizers.L1L2(0.001, 0.01),
        bias_constraint=keras.constraints.NonNeg(),
    )
    model.get_layer("bn").trainable = False
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])
    model.compile(
        keras.optimizers.RMSprop(schedule, rho=0.8, centered=True, clipvalue=0.5),
        keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=["accuracy", "mae"],
    )
    spec = nnspec.from_keras(model)
    t = spec.training
    assert t.optimizer.name == "rmsprop" and t.optimizer.rho == 0.8 and t.optimizer.centered
    assert t.optimizer.clipvalue == 0.5 and t.optimizer.learning_rate.values == [0.1, 0.01, 0.001]
    assert t.loss.name == "categorical_crossentropy" and t.loss.label_smoothing == 0.1
    assert t.metrics == ["categorical_accuracy", "mean_absolute_error"]
    assert t.regularizers["lstm"]["recurrent_kernel"].l1 == 0.01
    assert (t.regularizers["out"]["kernel"].l1, t.regularizers["out"]["kernel"].l2) == (0.001, 0.01)
    assert t.constraints["out"]["bias"].name == "non_neg" and t.frozen == ["bn"]

    spec.save(tmp_path / "m.yaml")
    again = nnspec.load(tmp_path / "m.yaml")
    assert again.training == t

    rebuilt = nnspec.to_keras(again)
    assert rebuilt.compiled and not rebuilt.get_layer("bn").trainable
    assert isinstance(rebuilt.optimizer, keras.optimizers.RMSprop)
    assert rebuilt.get_layer("out").kernel.regularizer.get_config() == {"l1": 0.001, "l2": 0.01}
    assert nnspec.from_keras(rebuilt).training == t


def test_uncompiled_model_has_no_training_section():
    assert nnspec.from_keras(_model()).training is None


@pytest.mark.parametrize(
    ("compile_args", "reason"),
    [
        (dict(optimizer=keras.optimizers.Adamax(), loss="mse"), "Adamax"),
        (dict(optimizer=keras.optimizers.Adam(use_ema=True), loss="mse"), "use_ema"),
        (dict(optimizer="adam", loss="kl_divergence"), "kl_divergence"),
        (dict(optimizer="adam", loss=keras.losses.MeanSquaredError(reduction=None)), "reduction"),
        (
            dict(
                optimizer=keras.optimizers.SGD(
                    keras.optimizers.schedules.InverseTimeDecay(0.1, 10, 0.5)
                ),
                loss="mse",
            ),
            "InverseTimeDecay",
        ),
    ],
)
def test_unconvertible_settings_are_refused(compile_args, reason):
    model = _model()
    model.compile(**compile_args)
    with pytest.raises(ConversionError, match=reason):
        nnspec.from_keras(model)


def test_activity_regularizer_is_refused_by_layer():
    model = _model(activity_regularizer=keras.regularizers.L2(0.1))
    model.compile("adam", "categorical_crossentropy")
    with pytest.raises(ConversionError, match="'out'.*activity"):
        nnspec.from_keras(model)


def test_unknown_metric_is_dropped_with_a_warning():
    model = _model()
    model.compile("adam", "categorical_crossentropy", metrics=[keras.metrics.AUC()])
    with pytest.warns(UserWarning, match="metric"):
        assert nnspec.from_keras(model).training.metrics == []


def test_bad_names_in_the_section_are_located():
    text = """nnspec: 1
inputs: {x: {shape: [batch, 4]}}
nodes:
  - {op: dense, units: 3, name: d}
training:
  loss: {name: mean_squared_error}
  regularizers: {d: {kernal: {l2: 0.1}}, nope: {kernel: {l1: 0.1}}}
"""
    with pytest.raises(SpecError) as err:
        nnspec.loads(text).check()
    assert "'kernal'" in str(err.value) and "'nope'" in str(err.value) and ":5" in str(err.value)
