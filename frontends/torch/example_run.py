"""The example run: the traced graph run once on the example inputs, recording the shape and
dtype of every node's result (``meta["nnspec"]``) and the value of every constant
(``meta["nnspec_value"]``). Values that do not depend on the input data (``x.size(0)``,
``x.shape[1] * 2``) are taken from this run."""

from __future__ import annotations

from typing import Any

import torch
from torch import fx

from nnspec.spec.errors import ConversionError

from .constants import constant_nodes
from .mutation import MutationLog
from .node_names import describe
from .shape_values import shape_nodes

# The spec dtype of each torch dtype an input or a result may have.
DTYPES = {torch.float32: "float32", torch.int64: "int64", torch.int32: "int32", torch.bool: "bool"}


class TensorMeta:
    """Shape and dtype of a tensor seen in the example run."""

    __slots__ = ("dtype", "shape")

    def __init__(self, t: torch.Tensor) -> None:
        self.shape = tuple(t.shape)
        self.dtype = t.dtype

    def __repr__(self) -> str:
        return f"TensorMeta({self.shape}, {self.dtype})"


def summarize(v: Any) -> Any:
    """A run's result with every tensor replaced by its :class:`TensorMeta`."""
    if isinstance(v, torch.Tensor):
        return TensorMeta(v)
    if isinstance(v, torch.Size):
        return tuple(v)
    if isinstance(v, (tuple, list)):
        return type(v)(summarize(x) for x in v)
    if isinstance(v, dict):
        return {k: summarize(x) for k, x in v.items()}
    return v


def has_tensor(v: Any) -> bool:
    """Whether a summarized result holds a tensor (else it is a Python value)."""
    if isinstance(v, TensorMeta):
        return True
    if isinstance(v, (tuple, list)):
        return any(has_tensor(x) for x in v)
    if isinstance(v, dict):
        return any(has_tensor(x) for x in v.values())
    return False


class Recorder(fx.Interpreter):
    """Runs the graph once, storing every node's result summary in ``meta["nnspec"]``."""

    def __init__(self, gm: fx.GraphModule, log: MutationLog | None = None) -> None:
        super().__init__(gm)
        self.extra_traceback = False  # our message says which node failed
        self.constants = constant_nodes(gm)
        self.shapes = shape_nodes(gm, self.constants)
        self.log = log

    def run_node(self, n: fx.Node) -> Any:
        if self.log is not None:
            self.log.before(n)
        try:
            result = super().run_node(n)
        except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
            module = self.module.get_submodule(n.target) if n.op == "call_module" else None
            reason = str(e).splitlines()[0] if str(e) else ""
            raise ConversionError(
                f"{describe(n, module, node=False)} failed on the example inputs: "
                f"{type(e).__name__}: {reason}",
                node=n.name,
                hint="check the number, shapes and dtypes of example_inputs",
            ) from None
        n.meta["nnspec"] = summarize(result)
        if n in self.constants and isinstance(result, torch.Tensor):
            n.meta["nnspec_value"] = result.detach().cpu().numpy().copy()
        elif n in self.shapes and isinstance(result, torch.Tensor):  # see shape_values.py
            n.meta["nnspec_value"] = result.detach().cpu().numpy().copy()
            n.meta["nnspec_shapes"] = self.shapes
        if self.log is not None:
            self.log.after(n, result)
        return result


def module_of(gm: fx.GraphModule, n: fx.Node) -> torch.nn.Module | None:
    """The module a ``call_module`` node calls (None for other nodes)."""
    return gm.get_submodule(n.target) if n.op == "call_module" else None
