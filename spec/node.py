"""The base every op derives from: attributes (pydantic fields), a shape rule and weights.

An op is declared once, in ``spec/ops/<op>.py``: its attributes with defaults and docs, its
``infer`` shape rule, the weights it owns in their canonical layout, and test samples.
"""

# No `from __future__ import annotations` here: pydantic evaluates the base's annotations
# again for every op class, and from strings that is a compile each (a hundred at start-up).
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, cast

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PositiveInt, model_validator
from pydantic_core import PydanticCustomError

from .errors import AttrError, ShapeError
from .strict import wrong_kind
from .types import TensorType

RESERVED = ("name", "op", "inputs", "shares")

Initializer = Literal[
    "zeros",
    "ones",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "orthogonal",
    "uniform",
    "normal",
]


@dataclass(frozen=True)
class Weight:
    """A weight an op owns: canonical shape, initialiser and a note on its layout."""

    shape: tuple[int, ...]
    init: str = "zeros"
    doc: str = ""
    dtype: str = "float32"
    # For initialisers that need fans: how many leading axes form the receptive field.
    fans: tuple[int, int] | None = None


@dataclass
class Sample:
    """An attribute set and input shapes, used by the parity and shape tests."""

    name: str
    attrs: dict[str, Any]
    inputs: list[tuple[int, ...]]
    atol: float = 1e-4
    input_dtype: str = "float32"
    input_dtypes: list[str] | None = None  # one per input, where they differ
    input_range: tuple[float, float] | None = None  # integer inputs (embedding ids)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ErrorSample:
    attrs: dict[str, Any]
    inputs: list[tuple[int | None, ...]]
    match: str


def _tuple_of(n: int) -> Callable[[Any], Any]:
    """Accept ``3`` as shorthand for ``(3, 3, ...)``, as Keras does."""

    def expand(v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool):
            return (v,) * n
        return v

    return expand


# Written out, not built by a function: a type checker reads only static aliases.
_NonNegInt = Annotated[int, Field(ge=0)]
Int1 = Annotated[tuple[PositiveInt], BeforeValidator(_tuple_of(1))]
Int2 = Annotated[tuple[PositiveInt, PositiveInt], BeforeValidator(_tuple_of(2))]
Int3 = Annotated[tuple[PositiveInt, PositiveInt, PositiveInt], BeforeValidator(_tuple_of(3))]
NonNegInt1 = Annotated[tuple[_NonNegInt], BeforeValidator(_tuple_of(1))]
NonNegInt2 = Annotated[tuple[_NonNegInt, _NonNegInt], BeforeValidator(_tuple_of(2))]
NonNegInt3 = Annotated[tuple[_NonNegInt, _NonNegInt, _NonNegInt], BeforeValidator(_tuple_of(3))]


def one_or_list(v: Any) -> Any:
    """``inputs: x`` is shorthand for ``inputs: [x]`` (and ``outputs: y`` for ``[y]``)."""
    return [v] if isinstance(v, str) else v


class Node(BaseModel):
    """A node of the graph. Subclasses set ``op`` to a ``Literal`` and add attributes."""

    # Schemas are built on first use: a spec validates only the ops it names.
    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, frozen=False, defer_build=True
    )

    op: str
    name: str | None = Field(None, description="Unique node name; generated when absent.")
    inputs: Annotated[list[str] | None, BeforeValidator(one_or_list)] = Field(
        None,
        description="Names of the tensors this node reads (a node, `node:k` for its k-th "
        "output, or a model input). Absent: the previous node's output.",
    )
    shares: str | None = Field(
        None,
        description="Use the weights of this earlier node (a layer called more than once); "
        "the op and attributes must be the same.",
    )

    # How many inputs the op takes: an int, or (min, max) with max None for "any".
    arity: ClassVar[int | tuple[int, int | None]] = 1

    # Properties of the op the passes and converters read: class attributes, set in the op's
    # class (one line, ``fuses_activation = True``), never YAML fields.
    # Its ``activation`` is applied to its output (Keras' Dense/Conv), so a following activation
    # node can be fused into it (recurrent ops' activation acts inside the cell: not fusable).
    fuses_activation: ClassVar[bool] = False
    # The identity at inference (dropout and its relatives): the identities pass removes it.
    inference_identity: ClassVar[bool] = False
    # Its kernel's last axis is its output channels (dense, conv; not grouped-by-input ops such
    # as depthwise conv): a following batch norm folds into its kernel and bias.
    folds_batch_norm: ClassVar[bool] = False
    # Reads only the channel (last) axis of each position (dense): applied to any leading axes,
    # per time step included, it computes the same, so TimeDistributed(op) is the op itself.
    channel_axis_only: ClassVar[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _no_lax_coercion(cls, data: Any) -> Any:
        if isinstance(data, dict) and (wrong := wrong_kind(cls, data)) is not None:
            raise PydanticCustomError(
                "wrong_kind", "{message}", {"message": wrong[1], "field": wrong[0]}
            )
        return data

    @classmethod
    def tag(cls) -> str:
        return cast(str, cls.model_fields["op"].default)

    @property
    def id(self) -> str:
        """The node's name, which a :class:`Model` always fills in (``name`` may be absent
        only on a node not yet in a model)."""
        if self.name is None:
            raise ValueError(f"this {self.op!r} node has no name yet: it is not in a Model")
        return self.name

    def attrs(self) -> dict[str, Any]:
        """The op's own attributes (everything but name, op and inputs)."""
        return {k: getattr(self, k) for k in type(self).model_fields if k not in RESERVED}

    # ``*args: Any``: each op declares the inputs it takes (``infer(self, x)``); ``arity`` checks.
    def infer(self, *args: Any, **kwargs: Any) -> TensorType | tuple[TensorType, ...]:
        """Output type(s) from input types. Raise AttrError/ShapeError on a mismatch."""
        raise NotImplementedError(f"op {self.op!r} has no shape rule")

    def weights(self, *args: Any, **kwargs: Any) -> dict[str, Weight]:
        """The weights this node owns, in canonical layout, given its input types."""
        return {}


# Helpers for shape rules ---------------------------------------------------------------


def require_rank(x: TensorType, *ranks: int, what: str = "input") -> None:
    if x.rank not in ranks:
        want = " or ".join(str(r) for r in ranks)
        raise ShapeError(f"{what} must have rank {want} (batch included), got shape {x}")


def static_dim(x: TensorType, axis: int, what: str) -> int:
    """A dim the op needs to know (e.g. input features of a dense layer)."""
    d = x.shape[axis]
    if not isinstance(d, int):
        raise ShapeError(f"{what} must be a fixed size, got {d!r} in input shape {x}")
    return d


def normalize_axis(axis: int, rank: int, attr: str = "axis") -> int:
    if not -rank <= axis < rank:
        raise AttrError(attr, f"axis {axis} is out of range for rank {rank}")
    return axis % rank


def normalize_axes(axes: int | list[int], rank: int, attr: str = "axis") -> tuple[int, ...]:
    """One axis or a list of them, as sorted non-negative axes; duplicates are an error."""
    listed = [axes] if isinstance(axes, int) else list(axes)
    if not listed:
        raise AttrError(attr, "needs at least one axis, got an empty list")
    out = [normalize_axis(a, rank, attr) for a in listed]
    if len(set(out)) != len(out):
        raise AttrError(attr, f"axes {axes!r} name the same axis twice (input rank {rank})")
    return tuple(sorted(out))


def window_shape(
    x: TensorType,
    kernel_size: Sequence[int],
    strides: Sequence[int],
    padding: str,
    dilation_rate: Sequence[int] | None = None,
    attr: str = "kernel_size",
) -> list[int | None]:
    """Spatial output dims of a sliding window over (N, *spatial, C); AttrError if it can't fit."""
    from .types import window_out

    dilation_rate = dilation_rate or (1,) * len(kernel_size)
    spatial = []
    for axis, (d, k, s, r) in enumerate(zip(x.shape[1:-1], kernel_size, strides, dilation_rate)):
        out = window_out(d, k, s, padding, r)
        if out is not None and out < 1:
            dilated = f" (dilation {tuple(dilation_rate)})" if max(dilation_rate) > 1 else ""
            raise AttrError(
                attr,
                f"window {tuple(kernel_size)}{dilated} does not fit "
                f"input {tuple(x.shape[1:-1])} with padding {padding!r} "
                f"(axis {axis + 1} would have {out} cells)",
                hint="use padding: same, or a smaller window",
            )
        spatial.append(out)
    return spatial


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _pairs_of(n: int) -> Callable[[Any], Any]:
    """Keras' shorthands for (before, after) per spatial axis: ``1`` -> ((1, 1), ...); one int
    per axis ``(1, 2)`` -> ((1, 1), (2, 2)); and with one axis, ``(1, 2)`` -> ((1, 2),)."""

    def expand(v: Any) -> Any:
        if _is_int(v):
            return ((v, v),) * n
        if isinstance(v, (list, tuple)):
            if n == 1 and len(v) == 2 and all(_is_int(i) for i in v):
                return (tuple(v),)
            return tuple((i, i) if _is_int(i) else i for i in v)
        return v

    return expand


_Pair = tuple[_NonNegInt, _NonNegInt]
Pairs1 = Annotated[tuple[_Pair], BeforeValidator(_pairs_of(1))]
Pairs2 = Annotated[tuple[_Pair, _Pair], BeforeValidator(_pairs_of(2))]
Pairs3 = Annotated[tuple[_Pair, _Pair, _Pair], BeforeValidator(_pairs_of(3))]
