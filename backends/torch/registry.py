"""Converters from spec nodes to PyTorch source, keyed by node class."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..contexts import TorchContext
from ..registry import ConverterRegistry, LayoutRule

if TYPE_CHECKING:
    from nnspec.spec.node import Node

# Ops this backend refuses on purpose: op tag -> the reason shown to the user.
UNSUPPORTED: dict[str, str] = {}

REGISTRY: ConverterRegistry[TorchContext] = ConverterRegistry("PyTorch", __package__, UNSUPPORTED)
converter = REGISTRY.converter
converter_for = REGISTRY.converter_for
supported = REGISTRY.supported
takes_padding = REGISTRY.takes_padding


def layout_rule(node: Node) -> LayoutRule:
    from .layout import canonical

    return REGISTRY.layout_for(node, canonical)
