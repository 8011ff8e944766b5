"""Shape rules shared by the tensor ops: numpy broadcasting, axes that must not be the
batch, dtype checks. Axes are the spec's (channels-last, batch on axis 0)."""

from __future__ import annotations

from ..errors import AttrError, ShapeError
from ..node import normalize_axis
from ..types import Dim, TensorType, dims_equal, merge_dim

FLOATS = ("float32", "float16", "bfloat16", "float64")
INTS = ("int32", "int64")


def broadcast_shapes(*shapes: tuple[Dim, ...]) -> tuple[Dim, ...]:
    """numpy's rule: align on the right, each pair equal or one of them 1."""
    rank = max(len(s) for s in shapes)
    out: list[Dim] = [1] * rank
    for s in shapes:
        for i, d in enumerate(s, start=rank - len(s)):
            a = out[i]
            if d == 1:
                continue
            if a == 1:
                out[i] = d
            elif dims_equal(a, d) is False:
                raise ShapeError(
                    "shapes cannot be broadcast (numpy rules: align on the right, sizes equal "
                    "or 1): " + ", ".join("(" + ", ".join(map(str, s)) + ")" for s in shapes)
                )
            else:
                out[i] = merge_dim(a, d)
    return tuple(out)


def sample_axis(axis: int, rank: int, attr: str = "axis") -> int:
    """A non-negative axis that is not the batch (axis 0)."""
    a = normalize_axis(axis, rank, attr)
    if a == 0:
        raise AttrError(attr, f"axis {axis} is the batch axis; tensor ops act within samples")
    return a


def sample_axes(axes: int | list[int] | None, rank: int, attr: str = "axis") -> tuple[int, ...]:
    """Sorted non-negative axes, none the batch; None means every axis but the batch."""
    if axes is None:
        return tuple(range(1, rank))
    listed = [axes] if isinstance(axes, int) else list(axes)
    if not listed:
        raise AttrError(attr, "needs at least one axis, got an empty list")
    out = [sample_axis(a, rank, attr) for a in listed]
    if len(set(out)) != len(out):
        raise AttrError(attr, f"axes {axes!r} name the same axis twice (input rank {rank})")
    return tuple(sorted(out))


def require_float(x: TensorType, what: str = "input") -> None:
    if x.dtype not in FLOATS:
        raise ShapeError(f"{what} must be a float tensor, got {x.dtype}", hint="add a cast")


def require_bool(x: TensorType, what: str = "input") -> None:
    if x.dtype != "bool":
        raise ShapeError(f"{what} must be a bool tensor, got {x.dtype}", hint="compare first")


def result_dtype(*xs: TensorType) -> str:
    """One dtype for an elementwise op's operands (no implicit promotion)."""
    dtypes = {x.dtype for x in xs}
    if len(dtypes) > 1:
        raise ShapeError(
            f"operands must have one dtype, got {', '.join(x.dtype for x in xs)}",
            hint="add a cast",
        )
    return xs[0].dtype
