"""Tensors that do not come from the inputs: ``constant`` (held in the weights file) and
``zeros_like`` / ``ones_like`` / ``full_like`` (a value in a tensor's shape)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from pydantic import Field

from ..errors import AttrError
from ..node import ErrorSample, Sample, Weight
from ..types import DType, TensorType
from .elementwise import TensorOp


class Constant(TensorOp):
    """A tensor of fixed ``shape`` held in the weights file (``value``): a parameter or
    buffer a PyTorch ``forward`` reads directly (ViT's ``pos_embed``, a layer-scale
    ``gamma``), a Keras variable read by an op. No inputs. Its shape has no batch axis of
    its own: it broadcasts against the batch (numpy rules), e.g. ``(1, 197, 768)`` added
    to ``(N, 197, 768)``.

    Weights: ``value``, shaped ``shape``."""

    arity: ClassVar[int | tuple[int, int | None]] = 0
    op: Literal["constant"] = "constant"
    shape: list[int] = Field(description="Shape of the value (every axis, sizes >= 1).")
    dtype: DType = Field("float32", description="Its dtype.")
    trainable: bool = Field(True, description="A parameter (true) or a fixed buffer.")

    def infer(self) -> TensorType:
        if any(d < 1 for d in self.shape):
            raise AttrError("shape", f"sizes must be >= 1, got {tuple(self.shape)}")
        return TensorType(tuple(self.shape), self.dtype)

    def weights(self, *xs: TensorType) -> dict[str, Weight]:  # no inputs; xs ignored
        return {"value": Weight(tuple(self.shape), "zeros", "as shaped", dtype=self.dtype)}


class _Like(TensorOp):
    dtype: DType | None = Field(None, description="Dtype of the result; null: the input's.")

    def infer(self, x: TensorType) -> TensorType:
        return TensorType(x.shape, self.dtype or x.dtype)


class ZerosLike(_Like):
    """Zeros in the shape of the input (an initial recurrent state, a mask)."""

    op: Literal["zeros_like"] = "zeros_like"


class OnesLike(_Like):
    """Ones in the shape of the input."""

    op: Literal["ones_like"] = "ones_like"


class FullLike(_Like):
    """``value`` in the shape of the input."""

    op: Literal["full_like"] = "full_like"
    value: float | int | bool = Field(description="The fill value.")


OPS = (Constant, ZerosLike, OnesLike, FullLike)


def samples() -> Iterable[Sample]:
    yield Sample("constant_broadcast", dict(op="constant", shape=[1, 3, 4]), inputs=[(2, 3, 4)])
    yield Sample("constant_vector", dict(op="constant", shape=[5]), inputs=[(2, 5)])
    yield Sample("zeros_like", dict(op="zeros_like"), inputs=[(2, 3, 4)])
    yield Sample("ones_like_int", dict(op="ones_like", dtype="int64"), inputs=[(2, 3)])
    yield Sample("full_like", dict(op="full_like", value=-2.5), inputs=[(2, 4, 3)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="constant", shape=[0, 3]), inputs=[], match="sizes")
