"""Training-only layer settings (regularizers, constraints): never a reason to stop an
inference conversion.

A setting that serialises is carried by the spec's ``training:`` section (training.py); one
that cannot (a custom regularizer without ``get_config()``, which makes Keras' own
``get_config()`` raise) is left out of the layer's config, with a note on stderr that says so.
"""

from __future__ import annotations

import sys
from typing import Any

import keras

_TRAINING_ONLY = (keras.regularizers.Regularizer, keras.constraints.Constraint)


def _serialisable(value) -> bool:
    try:
        keras.saving.serialize_keras_object(value)
    except Exception:  # noqa: BLE001 (user code: any failure means "cannot serialise")
        return False
    return True


def layer_config(layer) -> tuple[dict[str, Any], dict[str, Any]]:
    """``layer.get_config()`` and the layer's training-only settings that serialise; a
    setting that does not is left out of both (with a note)."""
    flatten = getattr(layer, "_flatten_layers", None)  # an LSTM's regularizers are its cell's
    owners = list(flatten(include_self=True, recursive=True)) if flatten else [layer]
    unserialisable = [
        (owner, key, value)
        for owner in owners
        for key, value in vars(owner).items()
        if isinstance(value, _TRAINING_ONLY) and not _serialisable(value)
    ]
    for owner, key, _ in unserialisable:
        object.__setattr__(owner, key, None)
    try:
        config = layer.get_config()
    finally:
        for owner, key, value in unserialisable:
            object.__setattr__(owner, key, value)
    for _, key, value in unserialisable:
        print(
            f"nnspec: note: layer {layer.name!r} ({type(layer).__name__}): dropped "
            f"{key.lstrip('_')} ({type(value).__name__} has no working get_config()); "
            "it only matters for training",
            file=sys.stderr,
        )
    training = {
        k: v
        for k, v in config.items()
        if k.endswith(("_regularizer", "_constraint")) and v is not None
    }
    return config, training
