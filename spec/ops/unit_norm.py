"""Scale each sample to unit L2 norm over one or more axes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..node import ErrorSample, Node, Sample, normalize_axes
from ..types import TensorType


class UnitNorm(Node):
    """``y = x / max(||x||_2, 1e-12)`` with the norm taken over ``axis``. Input (N, ...) ->
    same shape. The 1e-12 floor is Keras' (and ``torch.nn.functional.normalize``'s default)."""

    op: Literal["unit_norm"] = "unit_norm"
    axis: int | list[int] = Field(-1, description="Axis or axes the norm is taken over.")

    def infer(self, x: TensorType) -> TensorType:
        normalize_axes(self.axis, x.rank)
        return x


OPS = (UnitNorm,)


def samples() -> Iterable[Sample]:
    yield Sample("last_axis", dict(), inputs=[(2, 6)])
    yield Sample("sequence_features", dict(), inputs=[(2, 4, 5)])
    yield Sample("two_axes", dict(axis=[1, 2]), inputs=[(2, 3, 4, 5)])
    yield Sample("middle_axis", dict(axis=1), inputs=[(2, 4, 5)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(axis=2), inputs=[(2, 6)], match="out of range")
    yield ErrorSample(dict(axis=[1, 1]), inputs=[(2, 3, 4)], match="twice")
