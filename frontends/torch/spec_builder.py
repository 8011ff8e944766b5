"""The spec being built: its nodes, weights and names, the shape each spec tensor must have,
and the permutes that put a tensor in the layout a converter asks for (made once each)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from nnspec.frontends._errors import inexpressible, refusal
from nnspec.spec.names import Namespace
from nnspec.spec.ops.flatten import Flatten
from nnspec.spec.ops.permute import Permute
from nnspec.spec.ops.reshape import Reshape

from .values import Tensor, channels_last, identity, permute_dims

if TYPE_CHECKING:
    import torch
    from torch import fx

    from nnspec.spec.node import Node


class SpecBuilder:
    """Spec nodes and weights in the making, for the module ``root_name``."""

    def __init__(self, root_name: str) -> None:
        self.root_name = root_name
        self.nodes: list[Node] = []
        self.params: dict[str, np.ndarray] = {}
        self.env: dict[fx.Node, Any] = {}
        self.modules: dict[str, torch.nn.Module] = {}
        self.owners: dict[Hashable, Node] = {}  # (module, node class, suffix) -> first node
        self.names = Namespace()
        self.expected: dict[str, tuple[int, ...]] = {}
        self._perm_cache: dict[tuple[str, tuple[int, ...]], str] = {}
        self._plain_cache: dict[str, Tensor] = {}
        # inputs and outputs whose batch is not PyTorch's dim 0 (boundary.py)
        self.torch_layout: dict[str, dict] = {}
        self.first_input: Tensor | None = None  # the batch of tensors made from shapes
        self.example_batch = 0

    def value(self, n: fx.Node) -> Any:
        return self.env[n]

    def unique(self, base: str) -> str:
        return self.names.name(base)

    def emit(
        self,
        cls: type[Node],
        base: str,
        inputs: Iterable[str],
        *,
        params: dict[str, Any] | None = None,
        attrs: dict[str, Any] | None = None,
        what: str = "",
        share_key: Hashable | None = None,
    ) -> str:
        """Add a ``cls`` node named like ``base``; returns its name. Nodes with the same
        ``share_key`` and attributes share the first one's weights."""
        name = self.unique(base)
        try:
            node = cls(name=name, inputs=list(inputs), **(attrs or {}))
        except ValidationError as e:
            raise inexpressible(what, cls.tag(), e, node=base) from None
        owner = self.owners.get(share_key) if share_key is not None else None
        if owner is not None and owner.attrs() == node.attrs():
            node.shares, params = owner.name, None  # a module called again: one set of weights
        elif share_key is not None and owner is None:
            self.owners[share_key] = node
        self.nodes.append(node)
        for key, value in (params or {}).items():
            value = np.asarray(value)  # floats as float32; integer and bool constants kept
            dtype = value.dtype if value.dtype.kind in "biu" else np.float32
            # np.require keeps a 0-d weight 0-d (ascontiguousarray would make it (1,))
            self.params[f"{name}/{key}"] = np.require(value, dtype, "C")
        return name

    def expect(self, t: Tensor) -> None:
        self.expected.setdefault(t.ref, t.spec_shape)

    def as_perm(self, t: Tensor, perm: tuple[int, ...], what: str) -> str:
        if t.flat is not None and perm == identity(t.rank):
            return self.plain(t, what).ref
        if t.flat is not None:
            t = self.plain(t, what)
        if t.perm == perm:
            return t.ref
        if perm[0] != t.perm[0]:
            raise refusal(
                what,
                f"needs PyTorch dim {perm[0]} as the batch axis, but the batch is on dim "
                f"{t.perm[0]} of its input (shape {t.shape}); the spec keeps the batch on axis 0",
                hint="keep the batch first (batch_first=True), or transpose back before this",
            )
        key = (t.ref, perm)
        if key not in self._perm_cache:
            rank = len(perm)
            if perm == channels_last(rank):
                suffix = "channels_last"
            elif perm == identity(rank):
                suffix = "channels_first" if rank >= 3 else "plain"
            else:
                suffix = "permuted"
            base = t.ref.replace(":", "_") + "_" + suffix
            ref = self.emit(
                Permute, base, [t.ref], attrs={"dims": permute_dims(t.perm, perm)}, what=what
            )
            self.expected.setdefault(ref, tuple(t.shape[p] for p in perm))
            self._perm_cache[key] = ref
        return self._perm_cache[key]

    def plain(self, t: Tensor, what: str) -> Tensor:
        """Undo a channels-last flatten: unflatten, permute to PyTorch order, flatten."""
        if t.flat is None:
            return t
        if t.ref not in self._plain_cache:
            shape, perm = t.flat
            base = t.ref.replace(":", "_")
            spec_shape = [shape[p] for p in perm]
            unflat = self.emit(
                Reshape,
                base + "_unflatten",
                [t.ref],
                attrs={"target_shape": spec_shape[1:]},
                what=what,
            )
            src = Tensor(unflat, shape, t.dtype, perm, t.nonneg)
            self.expect(src)
            ordered = self.as_perm(src, identity(len(shape)), what)
            ref = self.emit(Flatten, base + "_torch_order", [ordered], what=what)
            self._plain_cache[t.ref] = Tensor(ref, t.shape, t.dtype, identity(2), t.nonneg)
            self.expect(self._plain_cache[t.ref])
        return self._plain_cache[t.ref]
