"""Reshape every axis but the batch."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Node, Sample
from ..types import TensorType


class Reshape(Node):
    """Input (N, ...) -> (N, *target_shape), keeping the row-major element order of the
    channels-last input (as Keras and numpy do). One entry of ``target_shape`` may be -1: it
    takes whatever size keeps the element count; it stays unknown when the input's size is.
    """

    op: Literal["reshape"] = "reshape"
    target_shape: list[int] = Field(
        description="Output shape without the batch axis; positive sizes and at most one -1."
    )

    def infer(self, x: TensorType) -> TensorType:
        target = list(self.target_shape)
        if any(d == 0 or d < -1 for d in target):
            raise AttrError(
                "target_shape",
                f"sizes must be positive, or -1 for one inferred size; got {tuple(target)}",
            )
        if target.count(-1) > 1:
            raise AttrError("target_shape", f"at most one size may be -1, got {tuple(target)}")
        if x.rank < 1:
            raise ShapeError(f"input must have rank >= 1 (batch, ...), got shape {x}")
        dims = [d for d in x.shape[1:] if isinstance(d, int)]
        if len(dims) < x.rank - 1:  # some input size is unknown
            return x.with_shape((x.shape[0], *(None if d == -1 else d for d in target)))
        size = math.prod(dims)
        known = math.prod(d for d in target if d != -1)
        if -1 in target:
            if size % known:
                raise AttrError(
                    "target_shape",
                    f"cannot reshape {size} elements per sample (input {x}) to "
                    f"{tuple(target)}: {size} is not a multiple of {known}",
                )
            target[target.index(-1)] = size // known
        elif known != size:
            raise AttrError(
                "target_shape",
                f"cannot reshape {size} elements per sample (input {x}) to {tuple(target)} "
                f"({known} elements)",
            )
        return x.with_shape((x.shape[0], *target))


OPS = (Reshape,)


def samples() -> Iterable[Sample]:
    yield Sample("flat_to_image", dict(target_shape=[4, 3, 2]), inputs=[(2, 24)])
    yield Sample("infer_one", dict(target_shape=[-1, 4]), inputs=[(2, 3, 8)])
    yield Sample("image_to_sequence", dict(target_shape=[12, 3]), inputs=[(2, 3, 4, 3)])
    yield Sample("add_axis", dict(target_shape=[5, 1]), inputs=[(2, 5)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(target_shape=[5, 5]), inputs=[(2, 24)], match="target_shape")
    yield ErrorSample(dict(target_shape=[-1, 5]), inputs=[(2, 24)], match="multiple")
    yield ErrorSample(dict(target_shape=[-1, -1]), inputs=[(2, 24)], match="at most one")
    yield ErrorSample(dict(target_shape=[0, 4]), inputs=[(2, 24)], match="positive")
