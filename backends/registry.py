"""A backend's converters from spec nodes to source, keyed by node class (as JAX keys
lowerings by primitive): a typo in a class name fails at import, not at conversion.

The built-in converters are every public module of the backend's ``ops`` package (found, not
listed), imported on first use. An op the backend refuses on purpose is in its
``UNSUPPORTED = {tag: reason}`` table; ``coverage_problems`` says which ops have neither a
converter nor a reason, or both (a test runs it for each backend).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from nnspec.spec.discover import public_modules
from nnspec.spec.errors import UnsupportedOpError
from nnspec.spec.node import Node

Ctx = TypeVar("Ctx")  # the backend's context protocol (backends/contexts.py)
R = TypeVar("R")
# ``fn(node, ctx) -> expression``; the node parameter is each converter's own op class.
Converter = Callable[[Any, Ctx], Any]
LayoutRule = Callable[..., Any]


class ConverterRegistry(Generic[Ctx]):
    def __init__(self, framework: str, package: str, unsupported: dict[str, str]) -> None:
        self.framework = framework
        self.package = package  # e.g. "nnspec.backends.torch"
        self.unsupported = unsupported  # op tag -> why this backend refuses it
        self.converters: dict[type[Node], Converter[Ctx]] = {}
        self.layouts: dict[type[Node], LayoutRule] = {}  # layout rules (PyTorch: layout.py)
        # Converters that take a zero padding folded into them (``ctx.padding_before``).
        self.absorbs_padding: set[type[Node]] = set()
        self._loaded = False

    def converter(
        self, *classes: type[Node], layout: LayoutRule | None = None, absorbs_padding: bool = False
    ) -> Callable[[Callable[[Any, Ctx], R]], Callable[[Any, Ctx], R]]:
        """Register ``fn(node, ctx) -> expression`` for these node classes (once each).
        ``layout``: the rule saying which tensor layouts the converter reads and writes
        (a backend without layouts ignores it; absent: the spec's own layout).
        ``absorbs_padding``: a symmetric zero padding before a 'valid' node may be folded
        into it, as ``ctx.padding_before`` (PyTorch's convolutions take it as ``padding=``)."""

        def register(fn: Callable[[Any, Ctx], R]) -> Callable[[Any, Ctx], R]:
            for cls in classes:
                if cls in self.converters:
                    raise RuntimeError(
                        f"a {self.framework} converter for {cls.__name__} is already registered"
                    )
                self.converters[cls] = fn
                if layout is not None:
                    self.layouts[cls] = layout
                if absorbs_padding:
                    self.absorbs_padding.add(cls)
            return fn

        return register

    def modules(self) -> tuple[str, ...]:
        """The built-in converter modules: every public module of ``<package>.ops``."""
        return public_modules(f"{self.package}.ops")

    def _load_builtin(self) -> None:
        if not self._loaded:
            self._loaded = True
            for mod in self.modules():
                importlib.import_module(f"{self.package}.ops.{mod}")

    def reload(self) -> None:
        """Import converter modules added since the first use (a test extending ``ops``)."""
        self._loaded = False
        self._load_builtin()

    def converter_for(self, node: Node) -> Converter[Ctx]:
        self._load_builtin()
        fn = self.converters.get(type(node))
        if fn is None:
            reason = self.unsupported.get(node.op)
            raise UnsupportedOpError(
                f"the {self.framework} backend does not support op {node.op!r}"
                + (f": {reason}" if reason else ""),
                node=node.name,
                op=node.op,
                hint=None if reason else f"register one with {self.package}.registry.converter",
            )
        return fn

    def layout_for(self, node: Node, default: LayoutRule) -> LayoutRule:
        self._load_builtin()
        return self.layouts.get(type(node), default)

    def takes_padding(self, node: Node) -> bool:
        self._load_builtin()
        return type(node) in self.absorbs_padding

    def supported(self) -> set[type[Node]]:
        self._load_builtin()
        return set(self.converters)

    def coverage_problems(self, ops: dict[str, type[Node]]) -> list[str]:
        """For the catalog ``ops``: each op with neither a converter nor an ``UNSUPPORTED``
        reason, each with both, and each table entry naming no op."""
        have = {cls.tag() for cls in self.supported()}
        where = f"{self.package}.registry.UNSUPPORTED"
        problems = [
            f"op {tag!r} has no {self.framework} converter and no reason in {where}"
            for tag in sorted(ops)
            if tag not in have and tag not in self.unsupported
        ]
        problems += [
            f"op {tag!r} has a {self.framework} converter but is listed in {where}"
            for tag in sorted(self.unsupported)
            if tag in have
        ]
        problems += [
            f"{where} lists {tag!r}, which is no op"
            for tag in sorted(self.unsupported)
            if tag not in ops and tag not in have
        ]
        return problems
