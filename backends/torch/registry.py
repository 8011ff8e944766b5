"""Converters from spec nodes to PyTorch source, keyed by node class."""

from ..registry import ConverterRegistry


def _modules() -> tuple[str, ...]:
    from .ops import TORCH_OP_MODULES

    return TORCH_OP_MODULES


REGISTRY = ConverterRegistry("PyTorch", __package__, _modules)
converter = REGISTRY.converter
converter_for = REGISTRY.converter_for
supported = REGISTRY.supported


def layout_rule(node):
    from .layout import canonical

    return REGISTRY.layout_for(node, canonical)
