"""Legacy Keras files (Keras 2 HDF5, tf.keras 2.x SavedModel) -> a Keras 3 model built from
their translated config, with their weights; nothing in the file is run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LegacyModel:
    model: object  # keras.Model
    source: str  # what was read, for the conversion report
    keras_version: str | None


def load_legacy(path, fmt: str) -> LegacyModel:
    """Read ``path`` (``fmt`` "hdf5" or "saved_model", from files.detect_format)."""
    from .build import build_keras_model
    from .translate import translate

    if fmt == "hdf5":
        from .hdf5 import read_hdf5

        config, weights, meta = read_hdf5(path)
        kind = "HDF5 file"
    else:
        from .saved_model import read_saved_model

        config, weights, meta = read_saved_model(path)
        kind = "tf.keras SavedModel"
    version = meta.get("keras_version")
    model = build_keras_model(translate(config, str(path), version), weights, str(path))
    label = f"{kind} saved by Keras {version}" if version else kind
    return LegacyModel(model, label, version)
