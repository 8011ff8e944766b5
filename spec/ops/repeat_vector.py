"""Repeat a vector along a new time axis."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, PositiveInt

from ..node import ErrorSample, Node, Sample, require_rank
from ..types import TensorType


class RepeatVector(Node):
    """Input (N, F) -> (N, n, F): every step is a copy of the input."""

    op: Literal["repeat_vector"] = "repeat_vector"
    n: PositiveInt = Field(description="Number of repetitions (output time steps).")

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, 2)
        return x.with_shape((x.shape[0], self.n, x.shape[1]))


OPS = (RepeatVector,)


def samples() -> Iterable[Sample]:
    yield Sample("basic", dict(n=3), inputs=[(2, 5)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(n=3), inputs=[(2, 5, 4)], match="rank 2")
