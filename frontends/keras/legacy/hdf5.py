"""Keras 1/2 and tf.keras 2.x ``model.save("x.h5")`` files: the model config JSON and the
weights, read with h5py (Keras' own loader is not used)."""

from __future__ import annotations

import json

import numpy as np

from nnspec.spec.errors import ConversionError

from .build import Weights


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes | np.bytes_) else str(value)


def read_hdf5(path) -> tuple[dict, Weights, dict]:
    """(model config, weights by layer, {"keras_version", "backend"}) of a Keras HDF5 file."""
    import h5py

    file = str(path)
    try:
        h5 = h5py.File(file, "r")
    except OSError as e:
        reason = str(e).split("(")[0].strip().rstrip(".") or "unreadable"
        raise ConversionError(
            f"the HDF5 file cannot be read ({reason}): it is truncated or damaged", file=file
        ) from None
    with h5:
        meta = {k: _text(h5.attrs[k]) for k in ("keras_version", "backend") if k in h5.attrs}
        if "model_config" not in h5.attrs:
            raise ConversionError(
                "the HDF5 file holds no model config (it was written by save_weights, or is "
                "not a Keras file); nnspec needs the architecture saved with model.save",
                file=file,
            )
        try:
            config = json.loads(_text(h5.attrs["model_config"]))
        except ValueError as e:
            raise ConversionError(f"the model config is not valid JSON: {e}", file=file) from None
        group = h5.get("model_weights", h5)
        try:
            weights = _weights(group)
        except (OSError, KeyError) as e:
            raise ConversionError(
                f"the weights cannot be read ({_text(e).splitlines()[0]}): the file is "
                "truncated or damaged",
                file=file,
            ) from None
    return config, weights, meta


def _weights(group) -> Weights:
    weights: Weights = {}
    for layer in group.attrs.get("layer_names", []):
        layer = _text(layer)
        g = group[layer]
        names = [_text(n) for n in g.attrs.get("weight_names", [])]
        weights[layer] = [(n, np.asarray(g[n])) for n in names]
    return weights
