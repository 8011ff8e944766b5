"""What a frontend converter sees: one context protocol per frontend.

Converters are typed against these, not against an importer's class, so an importer can be
reorganised (or a converter given a stand-in, as time_distributed's inner layer is) without
touching the converters. The importers' context classes implement them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np
    import torch

    from nnspec.spec.errors import ConversionError
    from nnspec.spec.node import Node

    from .keras import context as keras_context
    from .torch import context as torch_context
    from .torch.values import Tensor


class KerasLayerContext(Protocol):
    """A Keras layer call being read (``frontends/keras/context.py``)."""

    layer: Any  # the keras.Layer
    config: dict[str, Any]
    inputs: list[str]  # spec references of the call's tensor inputs
    call_kwargs: dict[str, Any]
    call_args: tuple[Any, ...]  # positional call arguments: tensors and constants
    in_shapes: list[tuple[int | None, ...]]

    @property
    def name(self) -> str: ...

    @property
    def trace_batch(self) -> int | None: ...

    def config_of(self, layer: Any) -> dict[str, Any]: ...

    @property
    def graph_refs(self) -> dict[int, str]: ...

    def mask_taken(self, tensor: Any) -> bool: ...

    def take_masks(self, *tensors: Any) -> None: ...

    def variable(self, var: Any, rank: int) -> str: ...

    def weights(self, layer: Any = None) -> dict[str, np.ndarray]: ...

    def node(
        self,
        cls: type[Node],
        *,
        # Any, as for emit below: attribute dicts are splatted beside these keywords.
        suffix: Any = "",  # str
        inputs: Any = None,  # list[str] | None
        params: Any = None,  # Mapping[str, np.ndarray] | None: canonical weights
        **attrs: Any,
    ) -> Node: ...

    def refuse(self, key: str, why: str = "", *, value: Any = ...) -> ConversionError: ...

    def fail(
        self, why: str, *, attr: str | None = None, hint: str | None = None
    ) -> ConversionError: ...

    def require(self, key: str, *allowed: Any) -> None: ...


class TorchNodeContext(Protocol):
    """A traced torch.fx node being read (``frontends/torch/context.py``)."""

    fx: torch.fx.Node
    module: torch.nn.Module | None  # the module a call_module node calls
    name: str
    args: Any  # the node's arguments as values (Tensor, Const, Stack, Python values)
    kwargs: Any
    meta: Any  # the example run's result

    @property
    def what(self) -> str: ...

    @property
    def op(self) -> str: ...

    def arg(self, i: int, name: str, default: Any = ...) -> Any: ...

    def tensor(self, v: Any, what: str = "input") -> Tensor: ...

    def input(self, i: int = 0, name: str = "input") -> Tensor: ...

    def out_shape(self, *path: int) -> tuple[int, ...]: ...

    def out_dtype(self) -> str: ...

    def emit(
        self,
        cls: type[Node],
        inputs: list[str],
        *,
        # Any: converters splat dicts of attributes (``**common``) beside these keywords, and
        # a checker cannot tell those dicts hold neither name.
        suffix: Any = "",  # str
        params: Any = None,  # Mapping[str, np.ndarray] | None: canonical weights
        **attrs: Any,
    ) -> str: ...

    def result(
        self,
        ref: str,
        perm: tuple[int, ...],
        *,
        shape: tuple[int, ...] | list[int] | None = None,
        nonneg: bool = False,
        flat: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
        dtype: str | None = None,
        padded: Any = None,
    ) -> Tensor: ...

    def expect(self, t: Tensor) -> None: ...

    def as_perm(self, t: Tensor, perm: tuple[int, ...]) -> str: ...

    def channels_last(self, t: Tensor) -> str: ...

    def plain(self, t: Tensor) -> Tensor: ...

    def module_of(self, n: torch.fx.Node) -> torch.nn.Module | None: ...

    def refuse(self, why: str, hint: str | None = None) -> ConversionError: ...


if TYPE_CHECKING:  # the importers' classes implement the protocols (checked by mypy)

    def _implements(
        keras_ctx: keras_context.LayerCtx, torch_ctx: torch_context.Ctx
    ) -> tuple[KerasLayerContext, TorchNodeContext]:
        return keras_ctx, torch_ctx
