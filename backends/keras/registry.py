"""Converters from spec nodes to Keras source, keyed by node class."""

from ..registry import ConverterRegistry


def _modules() -> tuple[str, ...]:
    from .ops import KERAS_OP_MODULES

    return KERAS_OP_MODULES


REGISTRY = ConverterRegistry("Keras", __package__, _modules)
converter = REGISTRY.converter
converter_for = REGISTRY.converter_for
supported = REGISTRY.supported
