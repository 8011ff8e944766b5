"""What a backend converter sees: one context protocol per backend.

Converters are typed against these, not against a generator's class, so a generator (or a
stand-in such as time_distributed's, which records the wrapped op's layer) can change
without touching the converters. The generators' ``NodeCtx`` classes implement them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

    from nnspec.spec.node import Node
    from nnspec.spec.types import TensorType

    from .keras import codegen as keras_codegen
    from .torch import codegen as torch_codegen
    from .torch.layout import Layout


class TorchContext(Protocol):
    """A node being turned into PyTorch source (``backends/torch/codegen.py``)."""

    node: Node
    inputs: list[str]  # local names, in the layouts the node's layout rule chose
    in_types: list[TensorType]  # their canonical (channels-last) types
    out_types: list[TensorType]
    params: dict[str, np.ndarray]  # the node's weights, canonical layout
    layouts: tuple[Layout, ...]
    out_layout: Layout
    helpers: list[str]
    padding_before: tuple[int, ...] | None  # a zero padding folded into this node
    overwritable: tuple[bool, ...]  # per input: only this node reads it, a fresh tensor

    @property
    def x(self) -> str: ...

    @property
    def layout(self) -> Layout: ...

    def dim(self, axis: int, i: int = 0) -> int: ...

    def attr(self, suffix: str = "") -> str: ...

    def temp(self, hint: str = "t") -> str: ...

    def helper(self, name: str) -> str: ...

    def activation(self, x: str, name: str | None = None, inplace: bool = False) -> str: ...

    def sub(
        self,
        node: Node,
        inputs: list[str],
        in_types: list[TensorType],
        out_types: list[TensorType],
        layouts: tuple[Layout, ...],
        out_layout: Layout,
    ) -> TorchContext: ...


class KerasContext(Protocol):
    """A node being turned into Keras source (``backends/keras/codegen.py``)."""

    node: Node
    inputs: list[str]
    in_types: list[TensorType]
    out_types: list[TensorType]
    params: dict[str, np.ndarray]

    @property
    def x(self) -> str: ...

    @property
    def reference(self) -> str: ...

    # The keywords are Any: converters splat dicts of layer arguments (``**non_default(...)``)
    # beside them, and a checker cannot tell those dicts hold none of these three names.
    def layer(
        self,
        cls: str,
        *args: Any,
        weights: Any = None,  # list[np.ndarray] | None
        suffix: Any = "",  # str
        wraps: Any = None,  # str | None: source of a wrapped layer
        **kwargs: Any,
    ) -> str: ...

    def activation(self, x: str, name: str | None = None, suffix: str = "activation") -> str: ...

    def op_name(self, suffix: str = "") -> str: ...

    def fused_activation(self) -> tuple[str, str | None]: ...

    def temp(self, hint: str = "t") -> str: ...

    def helper(self, name: str) -> str: ...

    def stmt(self, line: str) -> None: ...


if TYPE_CHECKING:  # the generators' classes implement the protocols (checked by mypy)

    def _implements(
        torch_ctx: torch_codegen.NodeCtx, keras_ctx: keras_codegen.NodeCtx
    ) -> tuple[TorchContext, KerasContext]:
        return torch_ctx, keras_ctx
