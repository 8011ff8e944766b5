"""Root-mean-square normalisation over one or more axes of each sample."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..errors import AttrError
from ..node import ErrorSample, Initializer, Node, Sample, Weight, normalize_axes, static_dim
from ..types import TensorType


class RMSNorm(Node):
    """``y = x / sqrt(mean(x ** 2) + epsilon) * scale``, the mean taken over ``axis`` for
    each sample (Keras' RMSNormalization, PyTorch's nn.RMSNorm; no centering). Input (N, ...)
    -> same shape.

    ``axis`` must be the trailing axes. Weights: ``scale``, shaped as the input dims at
    ``axis``: (C,) by default.
    """

    op: Literal["rms_norm"] = "rms_norm"
    axis: int | list[int] = Field(-1, description="Axis or axes to normalise over.")
    epsilon: float = Field(1e-6, ge=0, description="Added to the mean square (Keras' default).")
    scale_initializer: Initializer = "ones"

    def _axes(self, x: TensorType) -> tuple[int, ...]:
        axes = normalize_axes(self.axis, x.rank)
        if 0 in axes:
            raise AttrError(
                "axis",
                f"cannot normalise over the batch axis (axis {self.axis!r})",
                hint="axis: -1",
            )
        if axes != tuple(range(x.rank - len(axes), x.rank)):
            raise AttrError(
                "axis",
                f"axis {self.axis!r} are not the trailing axes of {x}: Keras' RMSNormalization "
                "broadcasts its scale over the trailing axes only",
                hint="axis: -1",
            )
        return axes

    def infer(self, x: TensorType) -> TensorType:
        self._axes(x)
        return x

    def weights(self, x: TensorType) -> dict[str, Weight]:
        shape = tuple(static_dim(x, a, f"normalised axis {a}") for a in self._axes(x))
        return {"scale": Weight(shape, self.scale_initializer, "input dims at axis")}


OPS = (RMSNorm,)


def samples() -> Iterable[Sample]:
    yield Sample("last_axis", dict(), inputs=[(2, 5, 8)])
    yield Sample("features_eps", dict(epsilon=1e-3), inputs=[(2, 6)])
    yield Sample("two_last_axes", dict(axis=[-2, -1]), inputs=[(2, 3, 4, 5)])
    yield Sample("image_hwc", dict(axis=[1, 2, 3]), inputs=[(2, 3, 4, 5)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(axis=3), inputs=[(2, 5, 4)], match="out of range")
    yield ErrorSample(dict(axis=[0, 1]), inputs=[(2, 5, 4)], match="batch axis")
    yield ErrorSample(dict(axis=1), inputs=[(2, 5, 4)], match="trailing")
