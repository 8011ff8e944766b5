"""Config translation on hand-written Keras 2 configs (no framework needed)."""

from __future__ import annotations

import pytest

from nnspec.frontends.keras.legacy.translate import translate
from nnspec.spec.errors import ConversionError


def _lstm(**extra):
    cfg = dict(name="lstm", units=3, return_sequences=False, implementation=2, time_major=False)
    return {"class_name": "LSTM", "config": {**cfg, **extra}}


def _sequential(*layers, batch_input_shape=(None, 5, 4)):
    first = dict(layers[0])
    first["config"] = {**first["config"], "batch_input_shape": list(batch_input_shape)}
    return {"class_name": "Sequential", "config": {"name": "s", "layers": [first, *layers[1:]]}}


def test_keras2_keys_dropped_and_input_taken_from_first_layer():
    md = translate(_sequential(_lstm(recurrent_activation="hard_sigmoid")))
    assert md.inputs[0].batch_shape == (None, 5, 4)
    cfg = md.layers[0].config
    assert "implementation" not in cfg and "time_major" not in cfg
    assert "batch_input_shape" not in cfg
    assert cfg["recurrent_activation"]["registered_name"] == "nnspec>hard_sigmoid_keras2"


def test_keras20_list_form_and_class_paths():
    dense = {"class_name": "keras.layers.core.Dense", "config": {"name": "d", "units": 2}}
    config = {
        "class_name": "Sequential",
        "config": [dict(dense, config={**dense["config"], "batch_input_shape": [None, 3]})],
    }
    md = translate(config)
    assert md.layers[0].class_name == "Dense" and md.inputs[0].batch_shape == (None, 3)


def test_time_major_refused():
    with pytest.raises(ConversionError, match=r"'lstm' \(LSTM\): time_major=True"):
        translate(_sequential(_lstm(time_major=True)))


def test_batch_norm_axis_list():
    bn = {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [3], "fused": True}}
    md = translate(_sequential(bn, batch_input_shape=(None, 4, 4, 2)))
    assert md.layers[0].config["axis"] == 3 and "fused" not in md.layers[0].config


def test_every_unsupported_layer_named_at_once():
    layers = [
        {"class_name": "TFOpLambda", "config": {"name": "tf.math.add"}},
        {"class_name": "MyLayer", "config": {"name": "mine"}},
        {"class_name": "CuDNNLSTM", "config": {"name": "fast"}},
    ]
    with pytest.raises(ConversionError) as err:
        translate(_sequential(*layers))
    text = str(err.value)
    assert "3 unsupported layer(s)" in text
    for name in ("'tf.math.add' (TFOpLambda)", "'mine' (MyLayer)", "'fast' (CuDNNLSTM)"):
        assert name in text


def test_initial_states_become_a_keyword():
    def inp(name):
        return {
            "name": name,
            "class_name": "InputLayer",
            "config": {"name": name, "batch_input_shape": [None, 4, 2]},
            "inbound_nodes": [],
        }

    lstm = dict(
        _lstm(), name="lstm", inbound_nodes=[[["x", 0, 0, {}], ["h", 0, 0, {}], ["c", 0, 0, {}]]]
    )
    config = {
        "class_name": "Model",
        "config": {
            "name": "m",
            "layers": [inp("x"), inp("h"), inp("c"), lstm],
            "input_layers": [["x", 0, 0], ["h", 0, 0], ["c", 0, 0]],
            "output_layers": [["lstm", 0, 0]],
        },
    }
    call = translate(config).layers[0].calls[0]
    assert call.args == [("x", 0, 0)]
    assert call.kwargs["initial_state"] == [("h", 0, 0), ("c", 0, 0)]


def test_keras1_refused():
    with pytest.raises(ConversionError, match="Keras 1"):
        translate(_sequential(_lstm()), "old.h5", keras_version="1.2.2")


def test_sequential_without_input_shape():
    config = {"class_name": "Sequential", "config": {"name": "s", "layers": [_lstm()]}}
    with pytest.raises(ConversionError, match="no input shape"):
        translate(config)
