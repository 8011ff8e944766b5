"""Execute generated Keras source and set every layer's weights."""

from __future__ import annotations

import linecache

import keras

from nnspec.spec.errors import ConversionError

from .codegen import KerasSource


def instantiate(src: KerasSource) -> keras.Model:
    filename = "<nnspec generated keras model>"
    linecache.cache[filename] = (len(src.source), None, src.source.splitlines(True), filename)
    namespace: dict = {"__name__": "nnspec_generated_keras"}
    exec(compile(src.source, filename, "exec"), namespace)  # noqa: S102 (nnspec's own output)
    model = namespace["build_model"]()
    for name, arrays in src.weights.items():
        layer = model.get_layer(name)
        try:
            layer.set_weights(arrays)
        except ValueError as e:
            raise ConversionError(
                f"Keras layer {name!r} does not accept its weights: {e}", node=name
            ) from None
        if hasattr(layer, "finalize_state"):  # Normalization caches its statistics
            layer.finalize_state()
    return model
