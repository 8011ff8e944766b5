"""Fully connected layer over the last axis."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, PositiveInt

from ..activations import Activation
from ..errors import ShapeError
from ..node import Initializer, Node, Sample, Weight, static_dim
from ..types import TensorType


class Dense(Node):
    """``y = activation(x @ kernel + bias)`` over the last axis. Input (N, ..., F).

    Weights: ``kernel`` (F, units); ``bias`` (units,) when ``use_bias``.
    """

    fuses_activation = True
    folds_batch_norm = True
    channel_axis_only = True
    op: Literal["dense"] = "dense"
    units: PositiveInt = Field(description="Output features.")
    activation: Activation = Field("linear", description="Activation applied after the bias.")
    use_bias: bool = True
    kernel_initializer: Initializer = "glorot_uniform"
    bias_initializer: Initializer = "zeros"

    def infer(self, x: TensorType) -> TensorType:
        if x.rank < 2:
            raise ShapeError(f"input must have rank >= 2 (batch, ..., features), got {x}")
        return x.with_shape((*x.shape[:-1], self.units))

    def weights(self, x: TensorType) -> dict[str, Weight]:
        features = static_dim(x, -1, "input features")
        w = {"kernel": Weight((features, self.units), self.kernel_initializer, "(in, out)")}
        if self.use_bias:
            w["bias"] = Weight((self.units,), self.bias_initializer)
        return w


OPS = (Dense,)


def samples() -> Iterable[Sample]:
    yield Sample("basic", dict(units=5), inputs=[(3, 7)])
    yield Sample("relu_nobias", dict(units=4, activation="relu", use_bias=False), inputs=[(2, 6)])
    yield Sample("rank3", dict(units=3, activation="tanh"), inputs=[(2, 5, 4)])
