"""Group normalisation: channels split into groups, each normalised per sample."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, PositiveInt

from ..errors import AttrError
from ..node import (
    ErrorSample,
    Initializer,
    Node,
    Sample,
    Weight,
    normalize_axis,
    static_dim,
)
from ..types import TensorType


class GroupNorm(Node):
    """The C entries of ``axis`` are split into ``groups`` consecutive groups; each group is
    normalised over itself and every other non-batch axis, then scaled and shifted per channel:
    ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta``. Input (N, ..., C) -> same shape.

    ``groups: 1`` is layer normalisation over all axes with per-channel weights; ``groups``
    equal to C is instance normalisation (written as Keras' ``groups=-1``).

    Weights: ``gamma`` (C,) when ``scale``; ``beta`` (C,) when ``center``.
    """

    op: Literal["group_norm"] = "group_norm"
    groups: PositiveInt = Field(32, description="Number of groups; divides C (Keras' default).")
    axis: int = Field(-1, description="The channel axis.")
    epsilon: float = Field(1e-3, ge=0, description="Added to the variance (Keras' default).")
    center: bool = Field(True, description="Add the learned offset ``beta``.")
    scale: bool = Field(True, description="Multiply by the learned ``gamma``.")
    beta_initializer: Initializer = "zeros"
    gamma_initializer: Initializer = "ones"

    def _channels(self, x: TensorType) -> int:
        axis = normalize_axis(self.axis, x.rank)
        if axis == 0:
            raise AttrError(
                "axis", "the channel axis cannot be the batch axis (0)", hint="axis: -1"
            )
        c = static_dim(x, axis, f"the channel axis ({self.axis})")
        if c % self.groups:
            raise AttrError(
                "groups",
                f"{c} channels cannot be split into {self.groups} groups of equal size",
                hint=f"use a divisor of {c}",
            )
        return c

    def infer(self, x: TensorType) -> TensorType:
        self._channels(x)
        return x

    def weights(self, x: TensorType) -> dict[str, Weight]:
        c = self._channels(x)
        w = {}
        if self.scale:
            w["gamma"] = Weight((c,), self.gamma_initializer, "(C,)")
        if self.center:
            w["beta"] = Weight((c,), self.beta_initializer, "(C,)")
        return w


OPS = (GroupNorm,)


def samples() -> Iterable[Sample]:
    yield Sample("image", dict(groups=2), inputs=[(2, 4, 5, 6)])
    yield Sample("sequence", dict(groups=4, epsilon=1e-5), inputs=[(2, 7, 8)])
    yield Sample(
        "no_center_no_scale", dict(groups=3, center=False, scale=False), inputs=[(2, 4, 4, 6)]
    )
    yield Sample("instance", dict(groups=4), inputs=[(2, 5, 5, 4)])
    yield Sample("one_group", dict(groups=1), inputs=[(2, 5, 3)])
    yield Sample("axis1", dict(groups=2, axis=1), inputs=[(2, 4, 3, 5)])
    yield Sample("center_only", dict(groups=2, scale=False), inputs=[(2, 5, 4)])
    yield Sample("scale_only", dict(groups=2, center=False), inputs=[(2, 5, 4)])
    yield Sample("features", dict(groups=3), inputs=[(2, 6)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(groups=4), inputs=[(2, 5, 5, 6)], match="groups")
    yield ErrorSample(dict(groups=32), inputs=[(2, 5, 5, 8)], match="groups")
    yield ErrorSample(dict(groups=2, axis=0), inputs=[(2, 5, 4)], match="batch axis")
