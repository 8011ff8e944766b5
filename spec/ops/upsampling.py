"""Upsampling by integer factors along the spatial axes, channels-last: (N, *spatial, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, PositiveInt

from ..node import ErrorSample, Int2, Int3, Node, Sample, require_rank
from ..types import TensorType


class _UpSampling(Node):
    """Shared rule: each spatial axis is multiplied by its factor."""

    rank: ClassVar[int]
    if TYPE_CHECKING:  # each rank's subclass declares these, with its own tuple length
        size: int | tuple[int, ...]

    def _factors(self) -> tuple[int, ...]:
        return self.size if isinstance(self.size, tuple) else (self.size,)

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, self.rank + 2)
        spatial = [
            d * f if isinstance(d, int) else None for d, f in zip(x.shape[1:-1], self._factors())
        ]
        return x.with_shape((x.shape[0], *spatial, x.shape[-1]))


class UpSampling1D(_UpSampling):
    """Repeats each time step ``size`` times. Input (N, T, C) -> (N, T * size, C)."""

    rank: ClassVar[int] = 1
    op: Literal["upsampling1d"] = "upsampling1d"
    size: PositiveInt = Field(2, description="Repetitions of each step.")


class UpSampling2D(_UpSampling):
    """Input (N, H, W, C) -> (N, H * size[0], W * size[1], C).

    ``nearest`` repeats each pixel (an exact integer repeat). ``bilinear`` resizes with
    half-pixel centres and no antialiasing: TensorFlow's ``tf.image.resize``, PyTorch's
    ``interpolate(mode="bilinear", align_corners=False)``.
    """

    rank: ClassVar[int] = 2
    op: Literal["upsampling2d"] = "upsampling2d"
    size: Int2 = Field((2, 2), description="Factors for height and width.")
    interpolation: Literal["nearest", "bilinear"] = "nearest"


class UpSampling3D(_UpSampling):
    """Repeats each cell. Input (N, D, H, W, C) -> (N, D * s0, H * s1, W * s2, C)."""

    rank: ClassVar[int] = 3
    op: Literal["upsampling3d"] = "upsampling3d"
    size: Int3 = Field((2, 2, 2), description="Factors for the three spatial axes.")


OPS = (UpSampling1D, UpSampling2D, UpSampling3D)


def samples() -> Iterable[Sample]:
    yield Sample("upsampling1d", dict(op="upsampling1d", size=3), inputs=[(2, 4, 3)])
    yield Sample("upsampling2d_nearest", dict(op="upsampling2d"), inputs=[(2, 3, 4, 2)])
    yield Sample(
        "upsampling2d_nearest_uneven", dict(op="upsampling2d", size=(1, 3)), inputs=[(2, 3, 4, 2)]
    )
    yield Sample(
        "upsampling2d_bilinear",
        dict(op="upsampling2d", size=2, interpolation="bilinear"),
        inputs=[(2, 3, 4, 2)],
    )
    yield Sample(
        "upsampling2d_bilinear_uneven",
        dict(op="upsampling2d", size=(3, 2), interpolation="bilinear"),
        inputs=[(2, 3, 4, 2)],
    )
    yield Sample("upsampling3d", dict(op="upsampling3d", size=(1, 2, 2)), inputs=[(2, 2, 3, 3, 2)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="upsampling1d"), inputs=[(2, 4, 4, 3)], match="rank 3")
