"""Affine rescaling of values: ``y = x * scale + offset``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..errors import AttrError
from ..node import ErrorSample, Node, Sample
from ..types import TensorType

FLOATS = ("float32", "float16", "bfloat16", "float64")


class Rescaling(Node):
    """``y = x * scale + offset``, e.g. ``scale: 0.00392156862745098`` (1/255) for images.
    ``scale`` and ``offset`` are numbers or one value per channel (the last axis). Integer
    inputs give float32 outputs. Input any shape -> same shape."""

    op: Literal["rescaling"] = "rescaling"
    scale: float | list[float] = Field(description="Multiplier (per channel when a list).")
    offset: float | list[float] = Field(0.0, description="Added after scaling.")

    def infer(self, x: TensorType) -> TensorType:
        for attr in ("scale", "offset"):
            v = getattr(self, attr)
            if isinstance(v, list):
                c = x.shape[-1] if x.rank > 1 else None
                if isinstance(c, int) and len(v) not in (1, c):
                    raise AttrError(
                        attr,
                        f"{len(v)} values for {c} channels (input {x})",
                        hint="give one value, or one per channel",
                    )
        return TensorType(x.shape, x.dtype if x.dtype in FLOATS else "float32")


OPS = (Rescaling,)


def samples() -> Iterable[Sample]:
    yield Sample("unit_range", dict(scale=1 / 255), inputs=[(2, 4, 4, 3)])
    yield Sample("symmetric", dict(scale=1 / 127.5, offset=-1.0), inputs=[(2, 4, 4, 3)])
    yield Sample(
        "per_channel", dict(scale=[0.5, 2.0, -1.0], offset=[0.1, 0.0, 0.3]), inputs=[(2, 4, 4, 3)]
    )
    yield Sample(
        "int_input", dict(scale=0.5), inputs=[(2, 5)], input_dtype="int32", input_range=(0, 255)
    )
    yield Sample("per_channel_offset", dict(scale=2.0, offset=[0.5, -0.5]), inputs=[(2, 3, 2)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(scale=[1.0, 2.0]), inputs=[(2, 4, 4, 3)], match="channels")
