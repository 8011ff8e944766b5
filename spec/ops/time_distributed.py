"""One op applied to every time step (Keras' ``TimeDistributed``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import Field, field_validator

from ..errors import ShapeError, SpecError
from ..node import ErrorSample, Node, Sample, Weight
from ..types import TensorType, dim_product

_NOT_IN_LAYER = ("name", "inputs", "shares")
MAX_NESTING = 8


def _plain(v: Any) -> Any:
    return [_plain(x) for x in v] if isinstance(v, tuple | list) else v


def layer_attrs(node: Node) -> dict[str, Any]:
    """A node as a ``layer`` attribute: its op and non-default attributes (canonical form,
    so a YAML round trip and a Keras round trip give the same dict)."""
    fields = type(node).model_fields
    out: dict[str, Any] = {"op": node.op}
    for key, value in node.attrs().items():
        if fields[key].is_required() or _plain(value) != _plain(fields[key].default):
            out[key] = _plain(value)
    return out


class TimeDistributed(Node):
    """Applies ``layer`` to each step of a sequence: input (N, T, ...) -> (N, T, ...') where
    ``layer`` maps (M, ...) -> (M, ...'). Backends fold time into the batch axis, run the op
    once and unfold (``nn.Conv2d`` over (N*T, H, W, C) in PyTorch).

    Weights: those of ``layer``, with the same names and layouts (``kernel``, ``bias``, ...).
    A ``dense`` layer needs no wrapper: ``dense`` already works on every step of (N, T, F).
    """

    op: Literal["time_distributed"] = "time_distributed"
    layer: dict[str, Any] = Field(
        description="The op applied at every step, written as a node without name or inputs, "
        "e.g. {op: conv2d, filters: 8, kernel_size: 3}."
    )

    @field_validator("layer")
    @classmethod
    def _valid_layer(cls, v: dict[str, Any]) -> dict[str, Any]:
        from . import op_class

        depth, inner = 1, v
        while isinstance(inner, dict) and isinstance(inner.get("layer"), dict):
            depth, inner = depth + 1, inner["layer"]
            if depth > MAX_NESTING:  # each level validates the next: deep ones exhaust the stack
                raise ValueError(f"time_distributed nests more than {MAX_NESTING} levels deep")
        clash = [k for k in _NOT_IN_LAYER if k in v]
        if clash:
            raise ValueError(
                f"the wrapped layer takes no {', '.join(clash)} (the "
                "time_distributed node has them)"
            )
        try:
            node = op_class(v.get("op")).model_validate({**v, "name": "layer"})
        except SpecError as e:
            raise ValueError(str(e)) from None
        return layer_attrs(node)

    def inner(self) -> Node:
        """The wrapped op as a node (this node's name, first input and ``shares``)."""
        from . import op_class

        return op_class(self.layer["op"]).model_validate(
            {
                **self.layer,
                "name": self.name,
                "inputs": (self.inputs or [])[:1],
                "shares": self.shares,
            }
        )

    @staticmethod
    def folded(x: TensorType) -> TensorType:
        """(N, T, ...) -> (N*T, ...), the input the wrapped op sees."""
        return x.with_shape((dim_product(x.shape[:2]), *x.shape[2:]))

    def _check(self, x: TensorType) -> Node:
        if x.rank < 3:
            raise ShapeError(f"input must have rank >= 3 (batch, time, ...), got shape {x}")
        inner = self.inner()
        arity = type(inner).arity
        if (arity if isinstance(arity, int) else arity[0]) != 1:
            raise ShapeError(f"the wrapped op {inner.op!r} needs more than one input")
        return inner

    def infer(self, x: TensorType) -> TensorType:
        y = self._check(x).infer(self.folded(x))
        if isinstance(y, tuple):
            raise ShapeError(
                f"the wrapped op {self.layer['op']!r} has {len(y)} outputs; "
                "time_distributed takes ops with one"
            )
        return y.with_shape((*x.shape[:2], *y.shape[1:]))

    def weights(self, x: TensorType) -> dict[str, Weight]:
        return self._check(x).weights(self.folded(x))


OPS = (TimeDistributed,)


def samples() -> Iterable[Sample]:
    yield Sample(
        "conv2d",
        dict(layer={"op": "conv2d", "filters": 3, "kernel_size": [3, 3], "activation": "relu"}),
        inputs=[(2, 3, 6, 6, 2)],
    )
    yield Sample(
        "max_pool2d",
        dict(layer={"op": "max_pool2d", "pool_size": [2, 2]}),
        inputs=[(2, 3, 6, 6, 2)],
    )
    yield Sample("flatten", dict(layer={"op": "flatten"}), inputs=[(2, 4, 3, 3, 2)])
    yield Sample(
        "conv1d",
        dict(layer={"op": "conv1d", "filters": 2, "kernel_size": [2]}),
        inputs=[(2, 3, 5, 4)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(layer={"op": "flatten"}), inputs=[(2, 5)], match="rank >= 3")
    yield ErrorSample(dict(layer={"op": "add"}), inputs=[(2, 5, 3)], match="more than one")
