"""Batch normalisation, as applied at inference (moving statistics)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Initializer, Node, Sample, Weight, normalize_axis, static_dim
from ..types import TensorType


class BatchNorm(Node):
    """``y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta``, per entry
    of ``axis`` (the channels, by default). Input (N, ..., C) -> same shape.

    Weights, each (C,) with C the size of ``axis``: ``gamma`` when ``scale``, ``beta`` when
    ``center``, then ``moving_mean`` and ``moving_variance`` (always).
    """

    op: Literal["batch_norm"] = "batch_norm"
    axis: int = Field(-1, description="The feature axis, normalised per entry; -1: channels.")
    momentum: float = Field(
        0.99,
        ge=0,
        le=1,
        description="Training only. Keras convention: moving = momentum * moving + "
        "(1 - momentum) * batch statistic; PyTorch's momentum is 1 minus this value.",
    )
    epsilon: float = Field(
        1e-3, ge=0, description="Added to the variance (Keras' default; PyTorch's is 1e-5)."
    )
    center: bool = Field(True, description="Add the learned offset ``beta``.")
    scale: bool = Field(True, description="Multiply by the learned ``gamma``.")
    beta_initializer: Initializer = "zeros"
    gamma_initializer: Initializer = "ones"
    moving_mean_initializer: Initializer = "zeros"
    moving_variance_initializer: Initializer = "ones"

    def _features(self, x: TensorType) -> int:
        if x.rank < 2:
            raise ShapeError(f"input must have rank >= 2 (batch, ..., features), got {x}")
        axis = normalize_axis(self.axis, x.rank)
        if axis == 0:
            raise AttrError("axis", "cannot normalise over the batch axis (0)", hint="axis: -1")
        return static_dim(x, axis, f"the normalised axis ({self.axis})")

    def infer(self, x: TensorType) -> TensorType:
        self._features(x)
        return x

    def weights(self, x: TensorType) -> dict[str, Weight]:
        c = self._features(x)
        w = {}
        if self.scale:
            w["gamma"] = Weight((c,), self.gamma_initializer, "(C,)")
        if self.center:
            w["beta"] = Weight((c,), self.beta_initializer, "(C,)")
        w["moving_mean"] = Weight((c,), self.moving_mean_initializer, "(C,)")
        w["moving_variance"] = Weight((c,), self.moving_variance_initializer, "(C,)")
        return w


OPS = (BatchNorm,)


def samples() -> Iterable[Sample]:
    yield Sample("conv_features", dict(), inputs=[(2, 5, 5, 4)])
    yield Sample("dense_features", dict(epsilon=1e-5), inputs=[(2, 6)])
    yield Sample("no_center_no_scale", dict(center=False, scale=False), inputs=[(2, 4, 4, 3)])
    yield Sample("no_center", dict(center=False), inputs=[(2, 7, 3)])
    yield Sample("no_scale", dict(scale=False), inputs=[(2, 7, 3)])
    yield Sample("axis1_sequence", dict(axis=1), inputs=[(2, 5, 3)])
    yield Sample("image_axis1", dict(axis=1), inputs=[(2, 3, 4, 5)])
    yield Sample("image_axis2", dict(axis=2, epsilon=1e-2), inputs=[(2, 3, 4, 5)])
    yield Sample("volume", dict(momentum=0.9), inputs=[(2, 3, 3, 4, 2)])
    yield Sample("rank6", dict(), inputs=[(2, 2, 3, 2, 2, 3)])
    yield Sample("rank6_no_center", dict(center=False), inputs=[(2, 2, 3, 2, 2, 3)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(axis=3), inputs=[(2, 5, 4)], match="out of range")
    yield ErrorSample(dict(axis=0), inputs=[(2, 5, 4)], match="batch axis")
    yield ErrorSample(dict(), inputs=[(2, 5, None)], match="fixed size")
