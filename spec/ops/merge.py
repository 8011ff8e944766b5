"""Merging several tensors: elementwise (add, subtract, ...), concatenate and dot."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from pydantic import Field

from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Node, Sample, normalize_axis, require_rank
from ..types import Dim, TensorType, dims_equal, merge_dim
from ._tensor import result_dtype


def _broadcast(a: Dim, b: Dim) -> Dim | bool:
    """Broadcast two dims (numpy rules, equal ranks); False when they can't be."""
    if a == 1:
        return b
    if b == 1:
        return a
    if dims_equal(a, b) is False:
        return False
    return merge_dim(a, b)


class _Elementwise(Node):
    """Shared rule: inputs of one rank, each axis equal in size or 1 (broadcast), as Keras'
    merge layers allow; an unknown size is compatible with any other."""

    arity: ClassVar[int | tuple[int, int | None]] = (2, None)

    def infer(self, *xs: TensorType) -> TensorType:
        dtype = result_dtype(*xs)
        ranks = {x.rank for x in xs}
        if len(ranks) > 1:
            raise ShapeError(
                "inputs must have one rank, got shapes " + ", ".join(str(x) for x in xs)
            )
        shape = list(xs[0].shape)
        for x in xs[1:]:
            for i, d in enumerate(x.shape):
                out = _broadcast(shape[i], d)
                if out is False:
                    raise ShapeError(
                        f"inputs do not match on axis {i}: shapes " + ", ".join(str(x) for x in xs),
                        hint="sizes must be equal, or 1 to broadcast",
                    )
                shape[i] = out
        return TensorType(tuple(shape), dtype)


class Add(_Elementwise):
    """Sum of the inputs."""

    op: Literal["add"] = "add"


class Subtract(_Elementwise):
    """First input minus the second."""

    arity: ClassVar[int | tuple[int, int | None]] = 2
    op: Literal["subtract"] = "subtract"


class Multiply(_Elementwise):
    """Elementwise product of the inputs."""

    op: Literal["multiply"] = "multiply"


class Average(_Elementwise):
    """Elementwise mean of the inputs."""

    op: Literal["average"] = "average"


class Maximum(_Elementwise):
    """Elementwise maximum of the inputs."""

    op: Literal["maximum"] = "maximum"


class Minimum(_Elementwise):
    """Elementwise minimum of the inputs."""

    op: Literal["minimum"] = "minimum"


class Concatenate(Node):
    """Join the inputs along ``axis``; every other axis must match. Inputs of one rank."""

    arity: ClassVar[int | tuple[int, int | None]] = (2, None)
    op: Literal["concatenate"] = "concatenate"
    axis: int = Field(-1, description="Axis to join along; -1: channels / features.")

    def infer(self, *xs: TensorType) -> TensorType:
        dtype = result_dtype(*xs)
        ranks = {x.rank for x in xs}
        if len(ranks) > 1:
            raise ShapeError(
                "inputs must have one rank, got shapes " + ", ".join(str(x) for x in xs)
            )
        axis = normalize_axis(self.axis, xs[0].rank)
        shape = list(xs[0].shape)
        for x in xs[1:]:
            for i, d in enumerate(x.shape):
                if i == axis:
                    a = shape[i]
                    shape[i] = a + d if isinstance(a, int) and isinstance(d, int) else None
                elif dims_equal(shape[i], d) is False:
                    raise ShapeError(
                        f"inputs must match on every axis but {axis}, and differ on axis {i}: "
                        "shapes " + ", ".join(str(x) for x in xs),
                        hint="concatenate along another axis",
                    )
                else:
                    shape[i] = merge_dim(shape[i], d)
        return TensorType(tuple(shape), dtype)


class Dot(Node):
    """Per sample, the dot product of the inputs along one axis of each, as Keras' ``Dot``:
    output = x's shape without ``axes[0]``, then y's without the batch and ``axes[1]``;
    (N, 1) when that leaves only the batch. Inputs (N, F) or (N, T, F).

    ``(N, F) . (N, F)`` with ``axes: 1`` gives (N, 1); ``(N, T, F) . (N, S, F)`` with
    ``axes: 2`` gives (N, T, S) (attention scores); ``axes: [1, 1]`` on (N, T, F) and
    (N, T, G) gives (N, F, G). With ``normalize``, each input is first divided by its L2 norm
    along its axis (floored at 1e-7, Keras' epsilon): the cosine similarity.
    """

    arity: ClassVar[int | tuple[int, int | None]] = 2
    op: Literal["dot"] = "dot"
    axes: int | tuple[int, int] = Field(
        description="Axis to contract: one for both inputs, or one per input (not the batch)."
    )
    normalize: bool = Field(False, description="L2-normalise along the axes first.")

    def infer(self, x: TensorType, y: TensorType) -> TensorType:
        dtype = result_dtype(x, y)
        require_rank(x, 2, 3, what="first input")
        require_rank(y, 2, 3, what="second input")
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        ax, ay = normalize_axis(pair[0], x.rank, "axes"), normalize_axis(pair[1], y.rank, "axes")
        if ax == 0 or ay == 0:
            raise AttrError("axes", f"axes {self.axes!r} include the batch axis (0)")
        if dims_equal(x.shape[ax], y.shape[ay]) is False:
            raise AttrError(
                "axes",
                f"the contracted sizes differ: {x.shape[ax]} (axis {ax} of {x}) and "
                f"{y.shape[ay]} (axis {ay} of {y})",
            )
        if dims_equal(x.shape[0], y.shape[0]) is False:
            raise ShapeError(f"inputs have different batch sizes: {x} and {y}")
        shape = [d for i, d in enumerate(x.shape) if i != ax]
        shape += [d for i, d in enumerate(y.shape) if i not in (0, ay)]
        if len(shape) == 1:
            shape.append(1)
        return TensorType(tuple(shape), dtype)


OPS = (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot)


def samples() -> Iterable[Sample]:
    for tag in ("add", "multiply", "average", "maximum", "minimum"):
        yield Sample(f"{tag}_two", dict(op=tag), inputs=[(2, 4, 3), (2, 4, 3)])
        yield Sample(f"{tag}_three", dict(op=tag), inputs=[(2, 5), (2, 5), (2, 5)])
    yield Sample("subtract", dict(op="subtract"), inputs=[(2, 4, 3), (2, 4, 3)])
    yield Sample("add_broadcast", dict(op="add"), inputs=[(2, 4, 3), (2, 1, 3)])
    yield Sample("multiply_broadcast", dict(op="multiply"), inputs=[(2, 4, 4, 3), (2, 1, 1, 3)])
    yield Sample("concatenate_last", dict(op="concatenate"), inputs=[(2, 4, 3), (2, 4, 5)])
    yield Sample(
        "concatenate_axis1",
        dict(op="concatenate", axis=1),
        inputs=[(2, 3, 4), (2, 2, 4), (2, 1, 4)],
    )
    yield Sample("concatenate_image", dict(op="concatenate"), inputs=[(2, 4, 4, 3), (2, 4, 4, 2)])
    yield Sample("dot_vectors", dict(op="dot", axes=1), inputs=[(2, 5), (2, 5)])
    yield Sample(
        "dot_vectors_normalize", dict(op="dot", axes=-1, normalize=True), inputs=[(2, 5), (2, 5)]
    )
    yield Sample("dot_attention", dict(op="dot", axes=2), inputs=[(2, 4, 3), (2, 6, 3)])
    yield Sample("dot_axes_pair", dict(op="dot", axes=(1, 1)), inputs=[(2, 4, 3), (2, 4, 5)])
    yield Sample("dot_mixed_rank", dict(op="dot", axes=(1, 2)), inputs=[(2, 3), (2, 4, 3)])
    yield Sample(
        "concatenate_negative_axis", dict(op="concatenate", axis=-2), inputs=[(2, 3, 4), (2, 5, 4)]
    )
    yield Sample(
        "concatenate_image_axis2",
        dict(op="concatenate", axis=2),
        inputs=[(2, 3, 2, 4), (2, 3, 5, 4)],
    )
    yield Sample(
        "dot_axes_pair_normalize",
        dict(op="dot", axes=(2, 1), normalize=True),
        inputs=[(2, 4, 3), (2, 3, 5)],
    )
    yield Sample("dot_rank3_rank2", dict(op="dot", axes=(2, 1)), inputs=[(2, 4, 3), (2, 3)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="add"), inputs=[(2, 4, 3), (2, 4, 5)], match="axis 2")
    yield ErrorSample(dict(op="add"), inputs=[(2, 4, 3), (2, 12)], match="one rank")
    yield ErrorSample(dict(op="concatenate"), inputs=[(2, 4, 3), (2, 5, 3)], match="axis 1")
    yield ErrorSample(
        dict(op="concatenate", axis=3), inputs=[(2, 4, 3), (2, 4, 3)], match="out of range"
    )
    yield ErrorSample(dict(op="dot", axes=1), inputs=[(2, 4), (2, 5)], match="axes")
    yield ErrorSample(dict(op="dot", axes=0), inputs=[(2, 4), (2, 4)], match="batch")
    yield ErrorSample(dict(op="dot", axes=1), inputs=[(2, 4, 3, 2), (2, 4)], match="rank")
