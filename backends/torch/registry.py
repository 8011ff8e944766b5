"""Converters from spec nodes to PyTorch source, keyed by node class."""

from ..registry import ConverterRegistry

# Ops this backend refuses on purpose: op tag -> the reason shown to the user.
UNSUPPORTED: dict[str, str] = {}

REGISTRY = ConverterRegistry("PyTorch", __package__, UNSUPPORTED)
converter = REGISTRY.converter
converter_for = REGISTRY.converter_for
supported = REGISTRY.supported
takes_padding = REGISTRY.takes_padding


def layout_rule(node):
    from .layout import canonical

    return REGISTRY.layout_for(node, canonical)
