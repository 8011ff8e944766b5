"""Permute the axes of each sample (the batch axis stays first)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, PositiveInt

from ..errors import AttrError
from ..node import ErrorSample, Node, Sample
from ..types import TensorType


class Permute(Node):
    """Output axis i + 1 is input axis ``dims[i]``; axes count from 1 after the batch, as in
    Keras: ``dims: [2, 1]`` turns (N, T, F) into (N, F, T). Equal to a transpose with
    permutation ``(0, *dims)``."""

    op: Literal["permute"] = "permute"
    dims: list[PositiveInt] = Field(
        description="A permutation of 1..rank-1 (the batch axis is not included)."
    )

    def infer(self, x: TensorType) -> TensorType:
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise AttrError(
                "dims",
                f"{tuple(self.dims)} is not a permutation of 1..{len(self.dims)}",
            )
        if len(self.dims) != x.rank - 1:
            raise AttrError(
                "dims",
                f"{tuple(self.dims)} permutes {len(self.dims)} axes, the input {x} has "
                f"{x.rank - 1} besides the batch",
            )
        return x.with_shape((x.shape[0], *(x.shape[d] for d in self.dims)))


OPS = (Permute,)


def samples() -> Iterable[Sample]:
    yield Sample("swap", dict(dims=[2, 1]), inputs=[(2, 5, 3)])
    yield Sample("channels_first", dict(dims=[3, 1, 2]), inputs=[(2, 4, 5, 3)])
    yield Sample("identity", dict(dims=[1, 2]), inputs=[(2, 4, 3)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(dims=[1, 3]), inputs=[(2, 4, 3)], match="permutation")
    yield ErrorSample(dict(dims=[1, 1]), inputs=[(2, 4, 3)], match="permutation")
    yield ErrorSample(dict(dims=[2, 1]), inputs=[(2, 4, 3, 2)], match="besides the batch")
