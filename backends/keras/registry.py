"""Converters from spec nodes to Keras source, keyed by node class."""

from ..contexts import KerasContext
from ..registry import ConverterRegistry

# Ops this backend refuses on purpose: op tag -> the reason shown to the user.
UNSUPPORTED: dict[str, str] = {}

REGISTRY: ConverterRegistry[KerasContext] = ConverterRegistry("Keras", __package__, UNSUPPORTED)
converter = REGISTRY.converter
converter_for = REGISTRY.converter_for
supported = REGISTRY.supported
