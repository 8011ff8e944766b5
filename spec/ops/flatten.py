"""Flatten every axis but the batch, in channels-last (row-major) order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from ..errors import ShapeError
from ..node import ErrorSample, Node, Sample
from ..types import TensorType, dim_product


class Flatten(Node):
    """Input (N, d1, ..., dk) -> (N, d1 * ... * dk); a (N,) input gives (N, 1).

    Elements keep the row-major order of the channels-last input (the last axis varies
    fastest), as in Keras. A channels-first backend must restore this order first, or the
    following dense kernel would see its inputs permuted. Unknown sizes give an unknown
    output size.
    """

    op: Literal["flatten"] = "flatten"

    def infer(self, x: TensorType) -> TensorType:
        if x.rank < 1:
            raise ShapeError(f"input must have rank >= 1 (batch, ...), got shape {x}")
        size = dim_product(x.shape[1:]) if x.rank > 1 else 1
        return x.with_shape((x.shape[0], size))


OPS = (Flatten,)


def samples() -> Iterable[Sample]:
    yield Sample("image", dict(), inputs=[(2, 4, 5, 3)])
    yield Sample("sequence", dict(), inputs=[(2, 6, 4)])
    yield Sample("already_flat", dict(), inputs=[(2, 7)])
    yield Sample("volume", dict(), inputs=[(2, 2, 3, 4, 2)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(), inputs=[()], match="rank >= 1")
