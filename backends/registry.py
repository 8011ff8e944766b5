"""A backend's converters from spec nodes to source, keyed by node class (as JAX keys
lowerings by primitive): a typo in a class name fails at import, not at conversion."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from nnspec.spec.errors import UnsupportedOpError
from nnspec.spec.node import Node


class ConverterRegistry:
    def __init__(self, framework: str, package: str, modules: Callable[[], tuple[str, ...]]):
        self.framework = framework
        self.package = package  # e.g. "nnspec.backends.torch"
        self._modules = modules  # the built-in converter modules, imported on first use
        self.converters: dict[type[Node], Callable] = {}
        self.layouts: dict[type[Node], Callable] = {}  # layout rules (PyTorch: layout.py)
        self._loaded = False

    def converter(self, *classes: type[Node], layout: Callable | None = None):
        """Register ``fn(node, ctx) -> expression`` for these node classes (once each).
        ``layout``: the rule saying which tensor layouts the converter reads and writes
        (a backend without layouts ignores it; absent: the spec's own layout)."""

        def register(fn):
            for cls in classes:
                if cls in self.converters:
                    raise RuntimeError(
                        f"a {self.framework} converter for {cls.__name__} is already registered"
                    )
                self.converters[cls] = fn
                if layout is not None:
                    self.layouts[cls] = layout
            return fn

        return register

    def _load_builtin(self) -> None:
        if not self._loaded:
            self._loaded = True
            for mod in self._modules():
                importlib.import_module(f"{self.package}.ops.{mod}")

    def converter_for(self, node: Node) -> Callable:
        self._load_builtin()
        fn = self.converters.get(type(node))
        if fn is None:
            raise UnsupportedOpError(
                f"no {self.framework} converter for op {node.op!r}",
                node=node.name,
                op=node.op,
                hint=f"register one with {self.package}.registry.converter",
            )
        return fn

    def layout_for(self, node: Node, default: Callable) -> Callable:
        self._load_builtin()
        return self.layouts.get(type(node), default)

    def supported(self) -> set[type[Node]]:
        self._load_builtin()
        return set(self.converters)
