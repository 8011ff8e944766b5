"""Feature standardisation with adapted statistics (Keras' ``Normalization`` layer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..errors import AttrError
from ..node import ErrorSample, Node, Sample, Weight, normalize_axes, static_dim
from ..types import TensorType

FLOATS = ("float32", "float16", "bfloat16", "float64")


class Normalization(Node):
    """``y = (x - mean) / max(sqrt(variance), 1e-7)``, or with ``invert``
    ``y = mean + x * max(sqrt(variance), 1e-7)``. 1e-7 is Keras' epsilon. Input any shape ->
    same shape; integer inputs give float32 outputs.

    Weights: ``mean`` and ``variance``, the statistics Keras' ``adapt()`` computes, shaped as
    the input dims at ``axis`` in increasing axis order: (C,) by default; and ``count``, the
    number of samples ``adapt()`` has seen (an int64 scalar, unused at inference, kept so the
    statistics can be updated and Keras' parameter count matches).
    """

    op: Literal["normalization"] = "normalization"
    axis: int | list[int] = Field(
        -1, description="Axis or axes with their own statistics; the others share them."
    )
    invert: bool = Field(False, description="Undo the normalisation instead.")

    def _shape(self, x: TensorType) -> tuple[int, ...]:
        axes = normalize_axes(self.axis, x.rank)
        if 0 in axes:
            raise AttrError(
                "axis", "the batch axis (0) cannot have statistics of its own", hint="axis: -1"
            )
        return tuple(static_dim(x, a, f"axis {a}") for a in axes)

    def infer(self, x: TensorType) -> TensorType:
        self._shape(x)
        return TensorType(x.shape, x.dtype if x.dtype in FLOATS else "float32")

    def weights(self, x: TensorType) -> dict[str, Weight]:
        shape = self._shape(x)
        return {
            "mean": Weight(shape, "zeros", "input dims at axis"),
            "variance": Weight(shape, "ones", "input dims at axis"),
            "count": Weight((), "zeros", "samples seen by adapt()", dtype="int64"),
        }


OPS = (Normalization,)


def samples() -> Iterable[Sample]:
    yield Sample("features", dict(), inputs=[(2, 5)])
    yield Sample("channels", dict(), inputs=[(2, 4, 4, 3)])
    yield Sample("invert", dict(invert=True), inputs=[(2, 6)])
    yield Sample("two_axes", dict(axis=[1, 2]), inputs=[(2, 3, 4)])
    yield Sample("middle_axis", dict(axis=1), inputs=[(2, 4, 3)])
    yield Sample("axes_1_3", dict(axis=[1, 3]), inputs=[(2, 3, 2, 4)])
    yield Sample("int_input", dict(), inputs=[(2, 3)], input_dtype="int32", input_range=(0, 9))


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(axis=0), inputs=[(2, 5)], match="batch axis")
    yield ErrorSample(dict(), inputs=[(2, 5, None)], match="fixed size")
