"""Indexing: ``slice`` (start, stop, step on any axes), ``take`` (fixed indices along an
axis) and ``take_along_axis`` (a tensor of indices, as numpy's and PyTorch's ``gather``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from pydantic import Field, PositiveInt

from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Sample
from ..types import Dim, TensorType, dims_equal, merge_dim
from ._tensor import INTS, sample_axis
from .elementwise import TensorOp


def slice_len(d: Dim, start: int | None, stop: int | None, step: int) -> Dim:
    if not isinstance(d, int):
        return None
    return len(range(*slice(start, stop, step).indices(d)))


class Slice(TensorOp):
    """``x[..., start:stop:step, ...]`` on each of ``axes`` (Python's rules: negative
    positions count from the end, null is the whole extent, steps are positive)."""

    op: Literal["slice"] = "slice"
    axes: list[int] = Field(description="Axes to slice (not the batch).")
    starts: list[int | None] = Field(description="Start per axis; null: 0.")
    stops: list[int | None] = Field(description="Stop per axis (exclusive); null: the end.")
    steps: list[PositiveInt] | None = Field(None, description="Step per axis; null: all 1.")

    def infer(self, x: TensorType) -> TensorType:
        steps = self.steps or [1] * len(self.axes)
        if not len(self.axes) == len(self.starts) == len(self.stops) == len(steps):
            raise AttrError("axes", "axes, starts, stops and steps need one entry per axis")
        axes = [sample_axis(a, x.rank, "axes") for a in self.axes]
        if len(set(axes)) != len(axes):
            raise AttrError("axes", f"axes {self.axes} name an axis twice")
        shape = list(x.shape)
        for a, b, e, s in zip(axes, self.starts, self.stops, steps):
            shape[a] = slice_len(shape[a], b, e, s)
            if shape[a] == 0:
                raise AttrError("starts", f"slice {b}:{e}:{s} of axis {a} of {x} is empty")
        return x.with_shape(shape)


class Take(TensorOp):
    """The elements at fixed ``indices`` along ``axis`` (``x[:, [0, 2]]``; numpy's
    ``take``); negative indices count from the end."""

    op: Literal["take"] = "take"
    indices: list[int] = Field(description="Positions to pick, in order (repeats allowed).")
    axis: int = Field(description="Axis to pick along.")

    def infer(self, x: TensorType) -> TensorType:
        a = sample_axis(self.axis, x.rank)
        d = x.shape[a]
        if not self.indices:
            raise AttrError("indices", "needs at least one index")
        if isinstance(d, int) and any(not -d <= i < d for i in self.indices):
            raise AttrError(
                "indices", f"indices {self.indices} are out of range for axis {a} of {x}"
            )
        return x.with_shape(len(self.indices) if i == a else e for i, e in enumerate(x.shape))


class TakeAlongAxis(TensorOp):
    """``out[..., i, ...] = x[..., indices[..., i, ...], ...]`` along ``axis``: numpy's
    ``take_along_axis``, PyTorch's ``gather``. ``indices`` (int32/int64) has the rank of ``x``
    and broadcasts against it on the other axes; indices must lie in the axis."""

    arity: ClassVar[int | tuple[int, int | None]] = 2
    op: Literal["take_along_axis"] = "take_along_axis"
    axis: int = Field(description="Axis to gather along.")

    def infer(self, x: TensorType, indices: TensorType) -> TensorType:
        if indices.dtype not in INTS:
            raise ShapeError(f"indices must be int32 or int64, got {indices.dtype}")
        if indices.rank != x.rank:
            raise ShapeError(f"indices {indices} must have the rank of the input {x}")
        a = sample_axis(self.axis, x.rank)
        shape = []
        for i, (d, k) in enumerate(zip(x.shape, indices.shape)):
            if i == a:
                shape.append(k)
            elif dims_equal(d, k) is False and 1 not in (d, k):
                raise ShapeError(f"indices {indices} do not match input {x} on axis {i}")
            else:
                shape.append(d if k == 1 else k if d == 1 else merge_dim(d, k))
        return TensorType(tuple(shape), x.dtype)


OPS = (Slice, Take, TakeAlongAxis)


def samples() -> Iterable[Sample]:
    yield Sample(
        "slice_one_axis", dict(op="slice", axes=[1], starts=[1], stops=[3]), inputs=[(2, 5, 3)]
    )
    yield Sample(
        "slice_steps_negative",
        dict(op="slice", axes=[1, -1], starts=[-4, None], stops=[None, -1], steps=[2, 3]),
        inputs=[(2, 6, 3, 8)],
    )
    yield Sample(
        "slice_channels", dict(op="slice", axes=[3], starts=[1], stops=[2]), inputs=[(2, 3, 3, 4)]
    )
    yield Sample("take", dict(op="take", indices=[0, 2, -1, 0], axis=1), inputs=[(2, 5, 3)])
    yield Sample("take_last_axis", dict(op="take", indices=[3, 1], axis=-1), inputs=[(2, 3, 4)])
    yield Sample(
        "take_along_axis",
        dict(op="take_along_axis", axis=1),
        inputs=[(2, 5, 3), (2, 4, 3)],
        input_dtypes=["float32", "int64"],
        input_range=(0, 5),
    )
    yield Sample(
        "take_along_last",
        dict(op="take_along_axis", axis=-1),
        inputs=[(2, 3, 6), (2, 3, 1)],
        input_dtypes=["float32", "int32"],
        input_range=(0, 6),
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(
        dict(op="slice", axes=[0], starts=[0], stops=[1]), inputs=[(2, 3)], match="batch"
    )
    yield ErrorSample(
        dict(op="slice", axes=[1], starts=[3], stops=[1]), inputs=[(2, 3)], match="empty"
    )
    yield ErrorSample(dict(op="take", indices=[5], axis=1), inputs=[(2, 3)], match="out of range")
