"""Reductions over any axes but the batch, with ``keepdims``; ``cumsum`` and ``cumprod``
along one axis; ``sort`` and ``top_k`` (values and indices) along one axis."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from pydantic import Field, PositiveInt

from ..errors import AttrError
from ..node import ErrorSample, Sample
from ..types import TensorType
from ._tensor import require_bool, require_float, sample_axes, sample_axis
from .elementwise import TensorOp


class _Reduce(TensorOp):
    float_only: ClassVar[bool] = False
    axis: int | list[int] | None = Field(
        None, description="Axes to reduce (negative counts from the end); null: all but batch."
    )
    keepdims: bool = Field(False, description="Keep reduced axes with size 1.")

    def out_dtype(self, x: TensorType) -> str:
        return x.dtype

    def infer(self, x: TensorType) -> TensorType:
        if self.float_only:
            require_float(x)
        axes = sample_axes(self.axis, x.rank)
        shape = [
            1 if i in axes else d for i, d in enumerate(x.shape) if self.keepdims or i not in axes
        ]
        return TensorType(tuple(shape), self.out_dtype(x))


class Sum(_Reduce):
    """Sum over ``axis``."""

    op: Literal["sum"] = "sum"


class Mean(_Reduce):
    """Mean over ``axis``."""

    float_only: ClassVar[bool] = True
    op: Literal["mean"] = "mean"


class Max(_Reduce):
    """Maximum over ``axis``."""

    op: Literal["max"] = "max"


class Min(_Reduce):
    """Minimum over ``axis``."""

    op: Literal["min"] = "min"


class Prod(_Reduce):
    """Product over ``axis``."""

    op: Literal["prod"] = "prod"


class Var(_Reduce):
    """Variance over ``axis``: ``sum((x - mean)**2) / (n - correction)`` (PyTorch's default
    ``correction`` is 1, numpy's and Keras' 0)."""

    float_only: ClassVar[bool] = True
    op: Literal["var"] = "var"
    correction: int = Field(0, ge=0, description="Subtracted from the count (Bessel: 1).")


class Std(Var):
    """Standard deviation: the square root of ``var`` with the same ``correction``."""

    op: Literal["std"] = "std"  # type: ignore[assignment]  # var's rules, its own tag


class Logsumexp(_Reduce):
    """``log(sum(exp(x)))`` over ``axis``, computed stably."""

    float_only: ClassVar[bool] = True
    op: Literal["logsumexp"] = "logsumexp"


class Norm(_Reduce):
    """Vector norm over ``axis``: ``ord`` 1 (sum of magnitudes), 2 (Euclidean) or ``inf``
    (largest magnitude)."""

    float_only: ClassVar[bool] = True
    op: Literal["norm"] = "norm"
    ord: Literal[1, 2, "inf"] = Field(2, description="Which norm.")


class _Logical(_Reduce):
    def infer(self, x: TensorType) -> TensorType:
        require_bool(x)
        return super().infer(x)


class Any(_Logical):
    """True where any element over ``axis`` is true (bool input)."""

    op: Literal["any"] = "any"


class All(_Logical):
    """True where every element over ``axis`` is true (bool input)."""

    op: Literal["all"] = "all"


class _Arg(TensorOp):
    axis: int = Field(description="The one axis to search.")
    keepdims: bool = Field(False, description="Keep the axis with size 1.")

    def infer(self, x: TensorType) -> TensorType:
        a = sample_axis(self.axis, x.rank)
        shape = [1 if i == a else d for i, d in enumerate(x.shape) if self.keepdims or i != a]
        return TensorType(tuple(shape), "int64")


class Argmax(_Arg):
    """Index (int64) of the largest element along ``axis``; the first one on ties."""

    op: Literal["argmax"] = "argmax"


class Argmin(_Arg):
    """Index (int64) of the smallest element along ``axis``; the first one on ties."""

    op: Literal["argmin"] = "argmin"


class Cumsum(TensorOp):
    """Running sum along ``axis``. Same shape out."""

    op: Literal["cumsum"] = "cumsum"
    axis: int = Field(description="Axis to accumulate along.")

    def infer(self, x: TensorType) -> TensorType:
        sample_axis(self.axis, x.rank)
        return x


class Cumprod(Cumsum):
    """Running product along ``axis``. Same shape out."""

    op: Literal["cumprod"] = "cumprod"


class Sort(TensorOp):
    """Sorted values along ``axis`` (output 0) and their int64 positions in the input
    (output 1). Equal elements keep their input order (a stable sort), in both directions."""

    op: Literal["sort"] = "sort"
    axis: int = Field(-1, description="Axis to sort along (not the batch).")
    descending: bool = Field(False, description="Largest first.")

    def infer(self, x: TensorType) -> tuple[TensorType, TensorType]:
        if sample_axis(self.axis, x.rank) == 0:
            raise AttrError("axis", "sorts along the batch axis")
        return x, TensorType(x.shape, "int64")


class TopK(TensorOp):
    """The ``k`` largest (``largest: false``: smallest) values along ``axis``, sorted, and
    their int64 positions; of equal elements the earlier one comes first."""

    op: Literal["top_k"] = "top_k"
    k: PositiveInt = Field(description="How many to keep.")
    axis: int = Field(-1, description="Axis to search (not the batch).")
    largest: bool = Field(True, description="Largest first; false: smallest first.")

    def infer(self, x: TensorType) -> tuple[TensorType, TensorType]:
        a = sample_axis(self.axis, x.rank)
        if a == 0:
            raise AttrError("axis", "selects along the batch axis")
        d = x.shape[a]
        if isinstance(d, int) and self.k > d:
            raise AttrError("k", f"k={self.k} is larger than axis {a} of {x}")
        shape = tuple(self.k if i == a else e for i, e in enumerate(x.shape))
        return x.with_shape(shape), TensorType(shape, "int64")


OPS = (
    Sum,
    Mean,
    Max,
    Min,
    Prod,
    Var,
    Std,
    Logsumexp,
    Norm,
    Any,
    All,
    Argmax,
    Argmin,
    Cumsum,
    Cumprod,
    Sort,
    TopK,
)


def samples() -> Iterable[Sample]:
    for tag in ("sum", "mean", "max", "min", "prod", "logsumexp"):
        yield Sample(f"{tag}_axis", dict(op=tag, axis=1), inputs=[(2, 3, 4)])
        yield Sample(
            f"{tag}_axes_keepdims", dict(op=tag, axis=[1, -1], keepdims=True), inputs=[(2, 3, 4, 5)]
        )
    yield Sample("sum_all", dict(op="sum"), inputs=[(2, 3, 4)])
    yield Sample("var", dict(op="var", axis=-1), inputs=[(2, 3, 6)])
    yield Sample(
        "var_bessel", dict(op="var", axis=[1, 2], correction=1, keepdims=True), inputs=[(2, 3, 6)]
    )
    yield Sample("std_bessel", dict(op="std", axis=-1, correction=1), inputs=[(2, 3, 6)])
    yield Sample("std", dict(op="std", axis=1), inputs=[(2, 5)])
    for ord_ in (1, 2, "inf"):
        yield Sample(f"norm_{ord_}", dict(op="norm", axis=-1, ord=ord_), inputs=[(2, 3, 4)])
    yield Sample("norm_keepdims", dict(op="norm", axis=1, keepdims=True), inputs=[(2, 3, 4)])
    for tag in ("any", "all"):
        yield Sample(f"{tag}_axis", dict(op=tag, axis=-1), inputs=[(2, 3, 2)], input_dtype="bool")
    for tag in ("argmax", "argmin"):
        yield Sample(f"{tag}_last", dict(op=tag, axis=-1), inputs=[(2, 3, 7)])
        yield Sample(f"{tag}_keepdims", dict(op=tag, axis=1, keepdims=True), inputs=[(2, 5, 3)])
    yield Sample("cumsum", dict(op="cumsum", axis=1), inputs=[(2, 5, 3)])
    yield Sample("cumsum_negative", dict(op="cumsum", axis=-1), inputs=[(2, 5, 3)])
    yield Sample("cumprod", dict(op="cumprod", axis=1), inputs=[(2, 5, 3)])
    yield Sample("cumprod_negative", dict(op="cumprod", axis=-1), inputs=[(2, 3, 4)])
    yield Sample("sort", dict(op="sort", axis=1), inputs=[(2, 5, 3)])
    yield Sample("sort_descending", dict(op="sort", descending=True), inputs=[(2, 3, 6)])
    yield Sample("top_k", dict(op="top_k", k=3), inputs=[(2, 4, 6)])
    yield Sample(
        "top_k_smallest_axis", dict(op="top_k", k=2, axis=1, largest=False), inputs=[(2, 5, 3)]
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="sum", axis=0), inputs=[(2, 3)], match="batch")
    yield ErrorSample(dict(op="mean", axis=3), inputs=[(2, 3)], match="out of range")
    yield ErrorSample(dict(op="any", axis=1), inputs=[(2, 3)], match="bool")
    yield ErrorSample(dict(op="top_k", k=4), inputs=[(2, 3)], match="larger")
