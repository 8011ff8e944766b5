"""Per-channel learned scale: ``y = x * gamma`` over the last axis (ConvNeXt's LayerScale)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from ..errors import ShapeError
from ..node import ErrorSample, Initializer, Node, Sample, Weight, static_dim
from ..types import TensorType


class LayerScale(Node):
    """``y = x * gamma``, one learned factor per channel (the last axis), as ConvNeXt's
    ``LayerScale`` and CaiT's layer scale. Input (N, ..., C) -> same shape.

    Weights: ``gamma`` (C,). ConvNeXt initialises it to a small constant (1e-6); a spec
    without weights starts from ``gamma_initializer``.
    """

    op: Literal["layer_scale"] = "layer_scale"
    gamma_initializer: Initializer = "ones"

    def infer(self, x: TensorType) -> TensorType:
        if x.rank < 2:
            raise ShapeError(f"input must have rank >= 2 (batch, ..., channels), got {x}")
        return x

    def weights(self, x: TensorType) -> dict[str, Weight]:
        channels = static_dim(x, -1, "input channels")
        return {"gamma": Weight((channels,), self.gamma_initializer, "(C,)")}


OPS = (LayerScale,)


def samples() -> Iterable[Sample]:
    yield Sample("image", dict(), inputs=[(2, 4, 4, 6)])
    yield Sample("sequence", dict(), inputs=[(2, 5, 3)])
    yield Sample("features", dict(), inputs=[(3, 7)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(), inputs=[(4,)], match="rank")
