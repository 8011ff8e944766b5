"""Tensor ops that move elements without arithmetic: squeeze / expand_dims, broadcast_to,
tile, repeat_interleave, split, stack, flip, roll, pad (constant, reflect, replicate,
circular), depth_to_space / space_to_depth. Axes are the spec's; the batch (axis 0) stays.
(General transposes are ``permute``; reshapes with -1 are ``reshape``.)"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from pydantic import Field, PositiveInt

from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Sample
from ..types import Dim, TensorType, dims_equal, merge_dim
from ._tensor import result_dtype, sample_axes, sample_axis
from .elementwise import TensorOp


def _times(d: Dim, k: int) -> Dim:
    return d * k if isinstance(d, int) else None


class Squeeze(TensorOp):
    """Remove axes of size 1 (``axis``; null: every size-1 axis but the batch)."""

    op: Literal["squeeze"] = "squeeze"
    axis: int | list[int] | None = Field(None, description="Axes to remove.")

    def infer(self, x: TensorType) -> TensorType:
        if self.axis is None:
            axes = [i for i, d in enumerate(x.shape) if i > 0 and d == 1]
        else:
            axes = list(sample_axes(self.axis, x.rank))
        for a in axes:
            if x.shape[a] != 1:
                raise AttrError("axis", f"axis {a} of {x} has size {x.shape[a]}, not 1")
        return x.with_shape(d for i, d in enumerate(x.shape) if i not in axes)


class ExpandDims(TensorOp):
    """Insert an axis of size 1 at ``axis`` of the output (PyTorch's ``unsqueeze``)."""

    op: Literal["expand_dims"] = "expand_dims"
    axis: int = Field(description="Position in the output; negative counts from the end.")

    def infer(self, x: TensorType) -> TensorType:
        a = sample_axis(self.axis, x.rank + 1)
        shape = list(x.shape)
        shape.insert(a, 1)
        return x.with_shape(shape)


class BroadcastTo(TensorOp):
    """Broadcast size-1 axes to ``shape`` (same rank; the batch axis is kept as it is).
    PyTorch's ``expand`` (-1 keeps a size)."""

    op: Literal["broadcast_to"] = "broadcast_to"
    shape: list[int] = Field(description="Target shape without the batch; -1 keeps a size.")

    def infer(self, x: TensorType) -> TensorType:
        if len(self.shape) + 1 != x.rank:
            raise AttrError("shape", f"needs {x.rank - 1} sizes for input {x}, got {self.shape}")
        src = list(x.shape)
        out = [src[0]]
        for i, (d, t) in enumerate(zip(src[1:], self.shape), start=1):
            if t == -1:
                out.append(d)
            elif d == 1 or dims_equal(d, t) is not False:
                out.append(t)
            else:
                raise AttrError("shape", f"axis {i} of size {d} cannot broadcast to {t}")
        return x.with_shape(out)


class Tile(TensorOp):
    """Repeat the whole tensor ``repeats[i]`` times along axis ``i + 1`` (PyTorch's
    ``repeat``, numpy's ``tile``; the batch is not repeated)."""

    op: Literal["tile"] = "tile"
    repeats: list[PositiveInt] = Field(description="One count per axis after the batch.")

    def infer(self, x: TensorType) -> TensorType:
        if len(self.repeats) != x.rank - 1:
            raise AttrError(
                "repeats", f"needs {x.rank - 1} counts for input {x}, got {self.repeats}"
            )
        return x.with_shape(
            (x.shape[0], *(_times(d, r) for d, r in zip(x.shape[1:], self.repeats)))
        )


class RepeatInterleave(TensorOp):
    """Repeat each element ``repeats`` times along ``axis`` (numpy's ``repeat``)."""

    op: Literal["repeat_interleave"] = "repeat_interleave"
    repeats: PositiveInt = Field(description="Copies of each element.")
    axis: int = Field(description="Axis to repeat along.")

    def infer(self, x: TensorType) -> TensorType:
        a = sample_axis(self.axis, x.rank)
        return x.with_shape(_times(d, self.repeats) if i == a else d for i, d in enumerate(x.shape))


class Split(TensorOp):
    """Cut along ``axis`` into pieces of ``sizes`` (one output each, in order)."""

    op: Literal["split"] = "split"
    sizes: list[PositiveInt] = Field(description="Size of each piece; they sum to the axis.")
    axis: int = Field(-1, description="Axis to split.")

    def infer(self, x: TensorType) -> tuple[TensorType, ...]:
        a = sample_axis(self.axis, x.rank)
        d = x.shape[a]
        if isinstance(d, int) and sum(self.sizes) != d:
            raise AttrError(
                "sizes", f"sizes {self.sizes} sum to {sum(self.sizes)}, axis {a} of {x} has {d}"
            )
        return tuple(
            x.with_shape(s if i == a else e for i, e in enumerate(x.shape)) for s in self.sizes
        )


class Stack(TensorOp):
    """Join tensors of one shape along a new axis ``axis`` of the output."""

    arity: ClassVar[int | tuple[int, int | None]] = (1, None)
    op: Literal["stack"] = "stack"
    axis: int = Field(1, description="Position of the new axis in the output.")

    def infer(self, *xs: TensorType) -> TensorType:
        dtype = result_dtype(*xs)
        shape = list(xs[0].shape)
        for x in xs[1:]:
            if x.rank != len(shape) or any(
                dims_equal(a, b) is False for a, b in zip(shape, x.shape)
            ):
                raise ShapeError("inputs must have one shape, got " + ", ".join(str(x) for x in xs))
            shape = [merge_dim(a, b) for a, b in zip(shape, x.shape)]
        a = sample_axis(self.axis, len(shape) + 1)
        shape.insert(a, len(xs))
        return TensorType(tuple(shape), dtype)


class Flip(TensorOp):
    """Reverse the order of elements along ``axis``."""

    op: Literal["flip"] = "flip"
    axis: int | list[int] = Field(description="Axes to reverse.")

    def infer(self, x: TensorType) -> TensorType:
        sample_axes(self.axis, x.rank)
        return x


class Roll(TensorOp):
    """Shift elements by ``shift[i]`` along ``axis[i]``, wrapping around."""

    op: Literal["roll"] = "roll"
    shift: list[int] = Field(description="Shift per axis (positive: towards the end).")
    axis: list[int] = Field(description="Axes to roll.")

    def infer(self, x: TensorType) -> TensorType:
        if len(self.shift) != len(self.axis):
            raise AttrError("shift", f"{len(self.shift)} shifts for {len(self.axis)} axes")
        sample_axes(self.axis, x.rank)
        return x


class Pad(TensorOp):
    """Pad every axis after the batch by ``(before, after)``: ``constant`` (with ``value``),
    ``reflect`` (mirror without the edge), ``replicate`` (repeat the edge) or ``circular``
    (wrap around)."""

    op: Literal["pad"] = "pad"
    pads: list[tuple[int, int]] = Field(description="(before, after) per axis after the batch.")
    mode: Literal["constant", "reflect", "replicate", "circular"] = "constant"
    value: float = Field(0.0, description="Fill value of mode constant.")

    def infer(self, x: TensorType) -> TensorType:
        if len(self.pads) != x.rank - 1:
            raise AttrError("pads", f"needs {x.rank - 1} (before, after) pairs for input {x}")
        shape = [x.shape[0]]
        for i, (d, (b, a)) in enumerate(zip(x.shape[1:], self.pads), start=1):
            if b < 0 or a < 0:
                raise AttrError("pads", f"negative padding {(b, a)} on axis {i} (crop instead)")
            if self.mode == "reflect" and isinstance(d, int) and max(b, a) >= d:
                raise AttrError(
                    "pads",
                    f"reflect padding {(b, a)} needs axis {i} longer than {max(b, a)}, it has {d}",
                )
            if self.mode == "circular" and isinstance(d, int) and max(b, a) > d:
                raise AttrError("pads", f"circular padding {(b, a)} is longer than axis {i} ({d})")
            shape.append(d + b + a if isinstance(d, int) else None)
        return x.with_shape(shape)


class DepthToSpace(TensorOp):
    """(N, H, W, C * b * b) -> (N, H * b, W * b, C). ``mode`` orders the input channels:
    ``DCR`` (TensorFlow, Keras: channel (i * b + j) * C + c) or ``CRD`` (PyTorch's
    PixelShuffle: c * b * b + i * b + j), as ONNX's DepthToSpace."""

    op: Literal["depth_to_space"] = "depth_to_space"
    block_size: PositiveInt = Field(description="Upscale factor b.")
    mode: Literal["DCR", "CRD"] = Field("DCR", description="Channel order.")

    def infer(self, x: TensorType) -> TensorType:
        if x.rank != 4:
            raise ShapeError(f"input must be (N, H, W, C), got {x}")
        b = self.block_size
        c = x.shape[-1]
        if isinstance(c, int) and c % (b * b):
            raise AttrError("block_size", f"channels {c} are not a multiple of {b * b}")
        return x.with_shape(
            (
                x.shape[0],
                _times(x.shape[1], b),
                _times(x.shape[2], b),
                c // (b * b) if isinstance(c, int) else None,
            )
        )


class SpaceToDepth(TensorOp):
    """(N, H * b, W * b, C) -> (N, H, W, C * b * b), the inverse of ``depth_to_space`` in the
    same ``mode`` (``CRD`` is PyTorch's PixelUnshuffle)."""

    op: Literal["space_to_depth"] = "space_to_depth"
    block_size: PositiveInt = Field(description="Downscale factor b.")
    mode: Literal["DCR", "CRD"] = Field("DCR", description="Channel order.")

    def infer(self, x: TensorType) -> TensorType:
        if x.rank != 4:
            raise ShapeError(f"input must be (N, H, W, C), got {x}")
        b = self.block_size
        for i in (1, 2):
            if isinstance(d := x.shape[i], int) and d % b:
                raise AttrError("block_size", f"axis {i} of {x} is not a multiple of {b}")
        h, w, c = x.shape[1:]
        div = [d // b if isinstance(d, int) else None for d in (h, w)]
        return x.with_shape((x.shape[0], *div, _times(c, b * b)))


OPS = (
    Squeeze,
    ExpandDims,
    BroadcastTo,
    Tile,
    RepeatInterleave,
    Split,
    Stack,
    Flip,
    Roll,
    Pad,
    DepthToSpace,
    SpaceToDepth,
)


def samples() -> Iterable[Sample]:
    yield Sample("squeeze_axis", dict(op="squeeze", axis=-2), inputs=[(2, 3, 1, 4)])
    yield Sample("squeeze_all", dict(op="squeeze"), inputs=[(2, 1, 3, 1)])
    yield Sample("expand_dims_1", dict(op="expand_dims", axis=1), inputs=[(2, 3, 4)])
    yield Sample("expand_dims_negative", dict(op="expand_dims", axis=-1), inputs=[(2, 3)])
    yield Sample("broadcast_to", dict(op="broadcast_to", shape=[3, 4]), inputs=[(2, 1, 4)])
    yield Sample(
        "broadcast_to_keep", dict(op="broadcast_to", shape=[5, -1, 4]), inputs=[(2, 1, 3, 1)]
    )
    yield Sample("tile", dict(op="tile", repeats=[2, 3]), inputs=[(2, 3, 4)])
    yield Sample(
        "repeat_interleave", dict(op="repeat_interleave", repeats=2, axis=1), inputs=[(2, 3, 4)]
    )
    yield Sample(
        "repeat_interleave_last",
        dict(op="repeat_interleave", repeats=3, axis=-1),
        inputs=[(2, 3, 2)],
    )
    yield Sample("split_equal", dict(op="split", sizes=[2, 2, 2]), inputs=[(2, 3, 6)])
    yield Sample("split_uneven", dict(op="split", sizes=[1, 4], axis=1), inputs=[(2, 5, 3)])
    yield Sample("stack_two", dict(op="stack", axis=1), inputs=[(2, 3, 4), (2, 3, 4)])
    yield Sample("stack_last", dict(op="stack", axis=-1), inputs=[(2, 3), (2, 3), (2, 3)])
    yield Sample("flip", dict(op="flip", axis=[1, -1]), inputs=[(2, 3, 4)])
    yield Sample("roll", dict(op="roll", shift=[1, -2], axis=[1, 2]), inputs=[(2, 4, 5)])
    for mode in ("constant", "reflect", "replicate", "circular"):
        yield Sample(
            f"pad_{mode}",
            dict(op="pad", pads=[[1, 2], [2, 1], [0, 0]], mode=mode),
            inputs=[(2, 4, 5, 3)],
        )
    yield Sample("pad_value", dict(op="pad", pads=[[0, 3], [1, 0]], value=-1.5), inputs=[(2, 3, 4)])
    for mode in ("DCR", "CRD"):
        yield Sample(
            f"depth_to_space_{mode}",
            dict(op="depth_to_space", block_size=2, mode=mode),
            inputs=[(2, 3, 4, 12)],
        )
        yield Sample(
            f"space_to_depth_{mode}",
            dict(op="space_to_depth", block_size=2, mode=mode),
            inputs=[(2, 4, 6, 3)],
        )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="squeeze", axis=1), inputs=[(2, 3)], match="not 1")
    yield ErrorSample(dict(op="split", sizes=[2, 2]), inputs=[(2, 5)], match="sum")
    yield ErrorSample(
        dict(op="pad", pads=[[3, 3]], mode="reflect"), inputs=[(2, 3)], match="reflect"
    )
    yield ErrorSample(
        dict(op="depth_to_space", block_size=2), inputs=[(2, 3, 3, 6)], match="multiple"
    )
