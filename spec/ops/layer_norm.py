"""Layer normalisation over one or more axes of each sample."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..errors import AttrError
from ..node import (
    ErrorSample,
    Initializer,
    Node,
    Sample,
    Weight,
    normalize_axes,
    static_dim,
)
from ..types import TensorType


class LayerNorm(Node):
    """``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``, with mean and variance taken
    over ``axis`` for each sample. Input (N, ...) -> same shape.

    Weights: ``gamma`` when ``scale``, ``beta`` when ``center``, each shaped as the input dims
    at ``axis`` in increasing axis order (axes made non-negative first): (C,) by default,
    (H, W, C) for ``axis: [1, 2, 3]``. Keras sorts the axes as given (negative ones first)
    but broadcasts by reshape, so its arrays reshape to this layout.
    """

    op: Literal["layer_norm"] = "layer_norm"
    axis: int | list[int] = Field(-1, description="Axis or axes to normalise over.")
    epsilon: float = Field(1e-3, ge=0, description="Added to the variance (Keras' default).")
    center: bool = Field(True, description="Add the learned offset ``beta``.")
    scale: bool = Field(True, description="Multiply by the learned ``gamma``.")
    beta_initializer: Initializer = "zeros"
    gamma_initializer: Initializer = "ones"

    def _axes(self, x: TensorType) -> tuple[int, ...]:
        axes = normalize_axes(self.axis, x.rank)
        if 0 in axes:
            raise AttrError(
                "axis",
                f"cannot normalise over the batch axis (axis {self.axis!r})",
                hint="axis: -1",
            )
        return axes

    def infer(self, x: TensorType) -> TensorType:
        self._axes(x)
        return x

    def weights(self, x: TensorType) -> dict[str, Weight]:
        shape = tuple(static_dim(x, a, f"normalised axis {a}") for a in self._axes(x))
        w = {}
        if self.scale:
            w["gamma"] = Weight(shape, self.gamma_initializer, "input dims at axis")
        if self.center:
            w["beta"] = Weight(shape, self.beta_initializer, "input dims at axis")
        return w


OPS = (LayerNorm,)


def samples() -> Iterable[Sample]:
    yield Sample("last_axis", dict(), inputs=[(2, 5, 8)])
    yield Sample("features", dict(epsilon=1e-6), inputs=[(2, 6)])
    yield Sample("no_center_no_scale", dict(center=False, scale=False), inputs=[(2, 4, 6)])
    yield Sample("no_center", dict(center=False), inputs=[(2, 4, 6)])
    yield Sample("image_hwc", dict(axis=[1, 2, 3]), inputs=[(2, 3, 4, 5)])
    yield Sample("two_last_axes", dict(axis=[-2, -1]), inputs=[(2, 3, 4, 5)])
    yield Sample("no_scale", dict(scale=False), inputs=[(2, 4, 6)])
    yield Sample("middle_axis", dict(axis=1), inputs=[(2, 5, 3)])
    yield Sample("mixed_sign_axes", dict(axis=[1, -1]), inputs=[(2, 3, 4, 5)])
    yield Sample("axes_1_3_no_scale", dict(axis=[1, 3], scale=False), inputs=[(2, 3, 4, 5)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(axis=3), inputs=[(2, 5, 4)], match="out of range")
    yield ErrorSample(dict(axis=[0, 1]), inputs=[(2, 5, 4)], match="batch axis")
    yield ErrorSample(dict(axis=[1, -2]), inputs=[(2, 5, 4)], match="twice")
    yield ErrorSample(dict(axis=[]), inputs=[(2, 5, 4)], match="at least one")
