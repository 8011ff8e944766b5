"""What a converter sees (:class:`Ctx`): its graph node's arguments as values, the example
run's result, and helpers that emit spec nodes through the :class:`~.spec_builder.SpecBuilder`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torch import fx

from nnspec.frontends._errors import refusal

from .example_run import DTYPES
from .node_names import describe, op_name
from .values import Const, Stack, Tensor, channels_last

if TYPE_CHECKING:
    import numpy as np
    import torch

    from nnspec.spec.errors import ConversionError
    from nnspec.spec.node import Node

    from .spec_builder import SpecBuilder

_REQUIRED = object()


class Ctx:
    """What a converter sees: its arguments as values (Tensor, Const, Stack, Python values),
    the example run's result, and helpers to emit spec nodes in the right layout."""

    def __init__(self, imp: SpecBuilder, n: fx.Node, module: torch.nn.Module | None = None) -> None:
        self._imp = imp
        self.fx = n
        self.module = module
        self.name = n.name
        if module is not None and n.name[:1] == "_" and n.name[1:2].isdigit():
            self.name = type(module).__name__.lower() + n.name  # Sequential's "3" -> linear_3
        self.args = fx.node.map_arg(n.args, imp.value)
        self.kwargs = fx.node.map_arg(n.kwargs, imp.value)
        self.meta = n.meta.get("nnspec")

    @property
    def what(self) -> str:
        return describe(self.fx, self.module, node=False)

    @property
    def op(self) -> str:
        """The registry name of a function or method node (``relu`` for ``F.relu_``)."""
        return op_name(self.fx)

    # arguments ----------------------------------------------------------------------------

    def arg(self, i: int, name: str, default: Any = _REQUIRED) -> Any:
        if len(self.args) > i:
            return self.args[i]
        if name in self.kwargs:
            return self.kwargs[name]
        if default is _REQUIRED:
            raise self.refuse(f"argument {name!r} is missing")
        return default

    def tensor(self, v: Any, what: str = "input") -> Tensor:
        """``v`` as a Tensor computed from the model inputs, or a clear refusal."""
        if isinstance(v, Tensor):
            return v
        if isinstance(v, Const) and v.value is not None and not v.batch:
            from .constants import as_tensor

            return as_tensor(self, v, None, what)
        if isinstance(v, Const) and v.value is not None:  # made from the batch size
            from .shape_values import batch_tensor

            return batch_tensor(self, v)
        if isinstance(v, Const):
            raise self.refuse(
                f"its {what} is {v.what} (shape {tuple(v.shape)}), a tensor that does not "
                "come from the model inputs and whose value depends on the batch size or is "
                "not recorded",
                hint="make it from the inputs (torch.zeros_like(x)), or compute it outside",
            )
        if isinstance(v, Stack):
            raise self.refuse(
                f"its {what} is {v.what} of shape {v.shape}, which stacks layers and "
                "directions ahead of the batch axis; nnspec keeps the batch first",
                hint="index it first (h_n[-1]) or use the output sequence",
            )
        raise self.refuse(f"its {what} is {type(v).__name__} {v!r}, expected a tensor")

    def input(self, i: int = 0, name: str = "input") -> Tensor:
        return self.tensor(self.arg(i, name), name)

    def out_shape(self, *path: int) -> tuple[int, ...]:
        meta = self.meta
        for k in path:
            meta = meta[k]
        return meta.shape

    def out_dtype(self) -> str:
        return DTYPES.get(self.meta.dtype, "float32")

    # emitting -----------------------------------------------------------------------------

    def emit(
        self,
        cls: type[Node],
        inputs: list[str],
        *,
        suffix: str = "",
        params: dict[str, np.ndarray] | None = None,
        **attrs: Any,
    ) -> str:
        """Add a spec node named after this graph node; returns its name. A module called
        again makes a node that ``shares`` the first call's weights."""
        key = (id(self.module), cls, suffix) if self.module is not None and params else None
        return self._imp.emit(
            cls,
            self.name + (f"_{suffix}" if suffix else ""),
            inputs,
            params=params,
            attrs=attrs,
            what=self.what,
            share_key=key,
        )

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
    ) -> Tensor:
        """The Tensor for spec tensor ``ref`` holding this node's output in layout ``perm``."""
        shape = tuple(shape) if shape is not None else self.out_shape()
        t = Tensor(ref, shape, dtype or self.out_dtype(), tuple(perm), nonneg, flat, padded)
        self._imp.expect(t)
        return t

    def expect(self, t: Tensor) -> None:
        """Record the spec shape ``t`` must have (checked once the spec is built)."""
        self._imp.expect(t)

    def as_perm(self, t: Tensor, perm: tuple[int, ...]) -> str:
        return self._imp.as_perm(t, tuple(perm), self.what)

    def channels_last(self, t: Tensor) -> str:
        """``t`` as a channels-last spec tensor (PyTorch's dim 1 last)."""
        return self.as_perm(t, channels_last(t.rank))

    def plain(self, t: Tensor) -> Tensor:
        """``t`` with its features in PyTorch's order (a ``flat`` tensor is restored)."""
        return self._imp.plain(t, self.what)

    def module_of(self, n: fx.Node) -> torch.nn.Module | None:
        """The module a ``call_module`` graph node calls (None for other nodes)."""
        return self._imp.modules.get(n.target) if n.op == "call_module" else None

    def refuse(self, why: str, hint: str | None = None) -> ConversionError:
        """``module 'fc' (nn.Linear): why``, filed under this node's name."""
        return refusal(self.what, why, node=self.name, hint=hint)
