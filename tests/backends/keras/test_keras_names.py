"""Every operation the Keras backend emits is named from the spec, so no per-process counter
(``gelu``, ``gelu_1``, ``activation_3``) can collide with a spec's own node names."""

import numpy as np
import pytest

import nnspec
from nnspec.spec.model import InputSpec, Model
from nnspec.spec.ops import catalog

keras = pytest.importorskip("keras")


def _node(op: str, **attrs):
    return catalog()[op].model_validate({"op": op, **attrs})


def _next_auto_name(probe) -> str:
    """The name Keras' per-process counter gives the next operation of this kind."""
    name = probe(keras.Input((3, 2))).name if hasattr(probe, "name") else None
    name = name or probe(keras.Input((3, 2)))._keras_history.operation.name
    base, _, k = name.rpartition("_")
    return f"{base}_{int(k) + 1}" if k.isdigit() else f"{name}_1"


def _gelus() -> Model:
    gelu = _next_auto_name(lambda x: keras.ops.gelu(x, approximate=True))
    act = _next_auto_name(keras.layers.Activation("mish"))
    return Model(
        name="gelus",
        inputs={"x": InputSpec(shape=["batch", 4], dtype="float32")},
        nodes=[
            _node("dense", name="dense", units=4, activation="gelu_approximate"),
            _node("activation", name=gelu, activation="gelu"),
            _node("activation", name="gelu", activation="gelu_approximate"),
            _node("dense", name=act, units=3, activation="mish"),
        ],
    )


def _masked() -> Model:
    test = _next_auto_name(lambda x: keras.ops.not_equal(x, 0.0))
    reduce = _next_auto_name(lambda x: keras.ops.any(x, axis=-1))
    return Model(
        name="masked",
        inputs={"x": InputSpec(shape=["batch", 5, 3], dtype="float32")},
        nodes=[
            _node("activation", name=test, activation="relu"),
            _node("activation", name=reduce, activation="gelu_approximate"),
            _node("lstm", name="lstm", inputs=[reduce, "x"], units=2, mask_value=0.0),
        ],
    )


@pytest.mark.parametrize("make", [_gelus, _masked], ids=lambda f: f.__name__)
def test_to_keras_twice_in_one_process(make):
    spec = make()
    spec.params = {}
    x = np.random.default_rng(0).normal(size=(2, *spec.inputs["x"].shape[1:]))
    outs = []
    for _ in range(3):
        model = nnspec.to_keras(spec)
        outs.append(np.asarray(model(x.astype("float32"))))
    np.testing.assert_array_equal(outs[0], outs[2])


def test_emitted_operations_carry_spec_names():
    model = nnspec.to_keras(_gelus())
    names = {op.name for op in model.operations}
    assert {"dense", "dense_activation", "gelu"} <= names
