"""spec/activations.py is the one list of activations: each backend maps every name in it,
and nothing else (framework-free: the tables are source text)."""

from __future__ import annotations

from nnspec.backends.keras.activations import KERAS_EXPRESSIONS, KERAS_NAMES
from nnspec.backends.torch.activations import ACTIVATIONS, RUNTIME
from nnspec.backends.torch.codegen import runtime_functions
from nnspec.spec.activations import ACTIVATION_NAMES, READS_CHANNEL_AXIS


def test_torch_maps_every_activation():
    assert set(ACTIVATIONS) == set(ACTIVATION_NAMES) - {"linear"}
    assert RUNTIME <= set(runtime_functions()), "a runtime activation without its function"


def test_keras_maps_every_activation():
    assert KERAS_NAMES | KERAS_EXPRESSIONS.keys() == set(ACTIVATION_NAMES)
    assert not KERAS_NAMES & KERAS_EXPRESSIONS.keys()


def test_channel_axis_activations_are_activations():
    assert READS_CHANNEL_AXIS <= set(ACTIVATION_NAMES)
