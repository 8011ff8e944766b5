"""Tensor types for shape inference: a shape of ints, symbolic names or None, and a dtype."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from pydantic import BeforeValidator, Field

Dim = int | str | None  # 28, "batch", or unknown


# A dimension as a spec writes it: a positive size (not `true`, which YAML reads as 1), a
# symbolic name, or null.
def _dim(v: object) -> object:
    ok = (
        v is None
        or (isinstance(v, int) and not isinstance(v, bool) and v > 0)
        or (isinstance(v, str) and v.isidentifier() and v.isascii())
    )
    if not ok:
        raise ValueError(
            f"a dimension is a positive integer, a name such as batch, or null; got {v!r}"
        )
    return v


SpecDim = Annotated[
    Annotated[int, Field(gt=0)] | Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None,
    BeforeValidator(_dim),
]
DType = Literal[
    "float32", "float16", "bfloat16", "float64", "int32", "int64", "int16", "int8", "uint8", "bool"
]  # uint8: images saved as bytes
DTYPES: tuple[str, ...] = get_args(DType)


@dataclass(frozen=True)
class TensorType:
    shape: tuple[Dim, ...]
    dtype: str = "float32"

    @property
    def rank(self) -> int:
        return len(self.shape)

    def with_shape(self, shape: Iterable[Dim]) -> TensorType:
        return TensorType(tuple(shape), self.dtype)

    def __str__(self) -> str:
        return "(" + ", ".join("None" if d is None else str(d) for d in self.shape) + ")"


def dim_product(dims: Iterable[Dim]) -> int | None:
    """Product of dims; None unless every dim is a fixed integer."""
    dims = tuple(dims)
    ints = [d for d in dims if isinstance(d, int)]
    return math.prod(ints) if len(ints) == len(dims) else None


def window_out(size: Dim, kernel: int, stride: int, padding: str, dilation: int = 1) -> int | None:
    """Output length of a sliding window (convolution, pooling), as Keras computes it."""
    if not isinstance(size, int):
        return None
    if padding == "same":
        return -(-size // stride)
    effective = (kernel - 1) * dilation + 1
    if padding == "causal":
        return -(-size // stride)
    return (size - effective) // stride + 1


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """Keras/TensorFlow 'same' padding (before, after): the extra cell goes after."""
    effective = (kernel - 1) * dilation + 1
    out = -(-size // stride)
    total = max((out - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def dims_equal(a: Dim, b: Dim) -> bool | None:
    """True/False when decidable, None when either side is unknown or symbolic and differs."""
    if a == b:
        return True
    if isinstance(a, int) and isinstance(b, int):
        return False
    return None


def merge_dim(a: Dim, b: Dim) -> Dim:
    """The more informative of two dims known to be compatible."""
    if isinstance(a, int):
        return a
    if isinstance(b, int):
        return b
    return a if a is not None else b
