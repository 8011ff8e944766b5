"""The one adapter between the tensor-op converters and the code generator.

A tensor-op converter is a pure function ``fn(node, c: Canonical) -> str`` returning a
torch expression that computes the op on tensors in the spec's canonical layout
(channels-last, as given). It sees the input expressions and types, and asks for its
weights through ``c.weight``. Only this file knows the generator's ``NodeCtx``; a new
generator changes this adapter, not the converters. The default layout rule (canonical)
applies: the layout pass permutes around these ops only where a neighbour is NCHW.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from nnspec.spec.node import Node
from nnspec.spec.types import TensorType

from ...contexts import TorchContext
from ..describe import Op, Tensor
from ..registry import converter

# ``fn(node, c) -> str``; the node parameter is each converter's own op class.
F = TypeVar("F", bound=Callable[[Any, "Canonical"], str])


@dataclass(frozen=True)
class Canonical:
    inputs: list[str]  # torch expressions, channels-last tensors
    types: list[TensorType]  # their spec types
    weight: Callable[[str], str]  # weight name -> expression holding it

    @property
    def x(self) -> str:
        return self.inputs[0]

    @property
    def rank(self) -> int:
        return self.types[0].rank


def canonical(*classes: type[Node]) -> Callable[[F], F]:
    """Register ``fn(node, c: Canonical) -> str`` for these node classes."""

    def register(fn: F) -> F:
        def adapt(node: Node, ctx: TorchContext) -> Op:
            tensors: dict[str, Tensor] = {}

            def weight(name: str) -> str:
                value = ctx.params[name]
                trainable = getattr(node, "trainable", True) and value.dtype.kind == "f"
                attr = ctx.attr(name)
                tensors[attr] = Tensor(value, parameter=trainable)
                return attr

            call = fn(node, Canonical(list(ctx.inputs), list(ctx.in_types), weight))
            return Op(call, tensors=tensors)

        converter(*classes)(adapt)
        return fn

    return register
