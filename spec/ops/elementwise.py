"""Elementwise tensor ops: unary math, binary arithmetic and comparisons with numpy
broadcasting, logical ops, ``where`` and ``cast``.

A binary op reads two tensors, or one tensor and a number (``scalar``; ``scalar_first``
puts the number on the left: ``2 - x``). Operands keep one dtype (no implicit promotion);
comparisons and logical ops give ``bool``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Node, Sample
from ..types import DType, TensorType
from ._tensor import broadcast_shapes, require_bool, require_float, result_dtype


class TensorOp(Node):
    """Base of the tensor ops. Their Keras form is a keras.ops call, not a named layer."""

    tensor_op: ClassVar[bool] = True


# --- unary --------------------------------------------------------------------------------


class _Unary(TensorOp):
    float_only: ClassVar[bool] = True

    def infer(self, x: TensorType) -> TensorType:
        if self.float_only:
            require_float(x)
        return x


def _unary(tag: str, doc: str, float_only: bool = True) -> type[_Unary]:
    name = "".join(w.capitalize() for w in tag.split("_"))
    return type(
        name,
        (_Unary,),
        {
            "__doc__": doc + " Input any shape -> same shape.",
            "__annotations__": {"op": Literal[tag]},
            "op": tag,
            "float_only": float_only,
            "__module__": __name__,
        },
    )


UNARY_DOCS = {
    "abs": ("``|x|``.", False),
    "neg": ("``-x``.", False),
    "sign": ("-1, 0 or 1 by the sign of ``x``.", False),
    "exp": ("``e ** x``.", True),
    "log": ("Natural logarithm.", True),
    "log1p": ("``log(1 + x)``, exact for small ``x``.", True),
    "log2": ("Base-2 logarithm.", True),
    "log10": ("Base-10 logarithm.", True),
    "sqrt": ("Square root.", True),
    "rsqrt": ("``1 / sqrt(x)``.", True),
    "square": ("``x * x``.", False),
    "reciprocal": ("``1 / x``.", True),
    "sin": ("Sine.", True),
    "cos": ("Cosine.", True),
    "tanh": ("Hyperbolic tangent.", True),
    "erf": ("The error function.", True),
    "floor": ("Round down.", True),
    "ceil": ("Round up.", True),
    "round": ("Round half to even (numpy, PyTorch and Keras agree).", True),
    "log_sigmoid": ("``log(sigmoid(x))``, computed stably.", True),
    "tanh_shrink": ("``x - tanh(x)``.", True),
}
UNARY = tuple(_unary(tag, doc, f) for tag, (doc, f) in UNARY_DOCS.items())
globals().update({cls.__name__: cls for cls in UNARY})

if TYPE_CHECKING:  # the classes made above (Abs, LogSigmoid...), as a type checker sees them

    def __getattr__(name: str) -> type[_Unary]: ...


class Clip(_Unary):
    """``min(max(x, min), max)``; either bound may be absent. PyTorch's ``clamp`` and
    ``hardtanh`` (any bounds), Keras' ``ops.clip``. Input any shape -> same shape."""

    float_only: ClassVar[bool] = False
    op: Literal["clip"] = "clip"
    min: float | None = Field(None, description="Lower bound; null: none.")
    max: float | None = Field(None, description="Upper bound; null: none.")

    def infer(self, x: TensorType) -> TensorType:
        if self.min is None and self.max is None:
            raise AttrError("min", "clip needs at least one of min and max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise AttrError("min", f"min {self.min} is greater than max {self.max}")
        return x


class Softplus(_Unary):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold`` (PyTorch's
    ``F.softplus``; Keras' softplus is ``beta = 1`` with no threshold, which equals
    ``threshold: null``). Input any shape -> same shape."""

    op: Literal["softplus"] = "softplus"
    beta: float = Field(1.0, gt=0, description="Sharpness.")
    threshold: float | None = Field(
        None, description="Above ``beta * x > threshold`` the result is ``x``; null: never."
    )


class Shrink(_Unary):
    """PyTorch's shrink functions. ``hard``: ``x`` where ``|x| > lambd``, else 0. ``soft``:
    ``x - sign(x) * lambd`` where ``|x| > lambd``, else 0. Input any shape -> same shape."""

    op: Literal["shrink"] = "shrink"
    kind: Literal["hard", "soft"] = Field(description="Hard or soft shrinkage.")
    lambd: float = Field(0.5, ge=0, description="Half-width of the band set to zero.")


class LogicalNot(TensorOp):
    """``not x`` on a bool tensor. Input any shape -> same shape."""

    op: Literal["logical_not"] = "logical_not"

    def infer(self, x: TensorType) -> TensorType:
        require_bool(x)
        return x


class Cast(TensorOp):
    """Convert to ``dtype``. Float to int truncates toward zero; anything to bool is
    ``x != 0``; bool to a number gives 0 or 1."""

    op: Literal["cast"] = "cast"
    dtype: DType = Field(description="Target dtype.")

    def infer(self, x: TensorType) -> TensorType:
        return TensorType(x.shape, self.dtype)


# --- binary -------------------------------------------------------------------------------


class _Binary(TensorOp):
    arity: ClassVar[int | tuple[int, int | None]] = (1, 2)
    kind: ClassVar[str] = "arithmetic"  # or "compare", "logical"
    scalar: float | int | bool | None = Field(
        None, description="The second operand as a number (one input only)."
    )
    scalar_first: bool = Field(False, description="The number is the left operand.")

    def infer(self, *xs: TensorType) -> TensorType:
        if len(xs) == 1 and self.scalar is None:
            raise AttrError("scalar", "one input needs a scalar operand")
        if len(xs) == 2 and (self.scalar is not None or self.scalar_first):
            raise AttrError("scalar", "two inputs and a scalar: give one or the other")
        dtype = result_dtype(*xs)
        if self.kind == "logical":
            for x in xs:
                require_bool(x, "operand")
        shape = broadcast_shapes(*(x.shape for x in xs))
        return TensorType(shape, "bool" if self.kind != "arithmetic" else dtype)


def _binary(tag: str, doc: str, kind: str) -> type[_Binary]:
    name = "".join(w.capitalize() for w in tag.split("_"))
    return type(
        name,
        (_Binary,),
        {
            "__doc__": doc + " Two tensors broadcast with numpy's rules, or a tensor and "
            "``scalar``.",
            "__annotations__": {"op": Literal[tag]},
            "op": tag,
            "kind": kind,
            "__module__": __name__,
        },
    )


BINARY_DOCS = {
    "divide": ("True division ``a / b``.", "arithmetic"),
    "floor_divide": ("``floor(a / b)``.", "arithmetic"),
    "mod": (
        "Remainder with the sign of ``b`` (Python's ``%``, PyTorch's ``remainder``).",
        "arithmetic",
    ),
    "power": ("``a ** b``.", "arithmetic"),
    "equal": ("``a == b``.", "compare"),
    "not_equal": ("``a != b``.", "compare"),
    "less": ("``a < b``.", "compare"),
    "less_equal": ("``a <= b``.", "compare"),
    "greater": ("``a > b``.", "compare"),
    "greater_equal": ("``a >= b``.", "compare"),
    "logical_and": ("``a and b`` on bool tensors.", "logical"),
    "logical_or": ("``a or b`` on bool tensors.", "logical"),
    "logical_xor": ("``a xor b`` on bool tensors.", "logical"),
}
BINARY = tuple(_binary(tag, doc, kind) for tag, (doc, kind) in BINARY_DOCS.items())
globals().update({cls.__name__: cls for cls in BINARY})


class Where(TensorOp):
    """``condition ? a : b`` elementwise; ``condition`` is bool, ``a`` and ``b`` one dtype,
    all three broadcast with numpy's rules. Either value may be a number instead
    (``a_scalar`` / ``b_scalar``; the inputs are then ``[condition, b]``, ``[condition, a]``
    or ``[condition]``)."""

    arity: ClassVar[int | tuple[int, int | None]] = (1, 3)
    op: Literal["where"] = "where"
    a_scalar: float | int | bool | None = Field(None, description="``a`` as a number.")
    b_scalar: float | int | bool | None = Field(None, description="``b`` as a number.")

    def infer(self, cond: TensorType, *xs: TensorType) -> TensorType:
        require_bool(cond, "condition")
        want = 3 - (self.a_scalar is not None) - (self.b_scalar is not None)
        if 1 + len(xs) != want:
            raise ShapeError(f"needs {want} input(s) with these scalars, got {1 + len(xs)}")
        dtype = result_dtype(*xs) if xs else "float32"
        return TensorType(broadcast_shapes(cond.shape, *(x.shape for x in xs)), dtype)


OPS = (*UNARY, Clip, Softplus, Shrink, LogicalNot, Cast, *BINARY, Where)


def samples() -> Iterable[Sample]:
    positive = (0.1, 3.0)
    for cls in UNARY:
        tag = cls.tag()
        logs = ("log", "log1p", "log2", "log10", "sqrt", "rsqrt", "reciprocal")
        rng = positive if tag in logs else None
        yield Sample(f"{tag}", dict(op=tag), inputs=[(2, 3, 4)], input_range=rng)
    yield Sample("clip_both", dict(op="clip", min=-0.5, max=0.7), inputs=[(2, 3, 4)])
    yield Sample("clip_min", dict(op="clip", min=0.0), inputs=[(2, 5)])
    yield Sample("softplus", dict(op="softplus"), inputs=[(2, 5)])
    yield Sample("softplus_beta", dict(op="softplus", beta=2.0, threshold=1.0), inputs=[(2, 3, 4)])
    yield Sample("shrink_hard", dict(op="shrink", kind="hard"), inputs=[(2, 3, 4)])
    yield Sample("shrink_soft", dict(op="shrink", kind="soft", lambd=0.3), inputs=[(2, 6)])
    yield Sample("cast_int", dict(op="cast", dtype="int32"), inputs=[(2, 3, 4)])
    yield Sample(
        "cast_bool",
        dict(op="cast", dtype="bool"),
        inputs=[(2, 3)],
        input_range=(-1, 2),
        input_dtype="int32",
    )
    yield Sample("logical_not", dict(op="logical_not"), inputs=[(2, 3, 4)], input_dtype="bool")
    for binary in BINARY:
        tag = binary.tag()
        dtype = "bool" if binary.kind == "logical" else "float32"
        rng = (0.5, 2.0) if tag in ("power", "divide", "floor_divide", "mod") else None
        yield Sample(
            f"{tag}_broadcast",
            dict(op=tag),
            inputs=[(2, 3, 4), (2, 1, 4)],
            input_dtype=dtype,
            input_range=rng,
        )
        if binary.kind != "logical":
            yield Sample(
                f"{tag}_scalar", dict(op=tag, scalar=1.5), inputs=[(2, 3, 4)], input_range=rng
            )
    yield Sample(
        "divide_rank2_rank3", dict(op="divide"), inputs=[(2, 3, 4), (3, 4)], input_range=(0.5, 2.0)
    )
    yield Sample(
        "power_scalar_first", dict(op="power", scalar=2.0, scalar_first=True), inputs=[(2, 5)]
    )
    yield Sample("mod_negative", dict(op="mod", scalar=0.75), inputs=[(2, 6)])
    yield Sample("less_int", dict(op="less", scalar=3), inputs=[(2, 6)], input_dtype="int32")
    yield Sample(
        "where_scalar",
        dict(op="where", b_scalar=-1.0),
        inputs=[(2, 3, 4), (2, 3, 4)],
        input_dtypes=["bool", "float32"],
    )
    yield Sample(
        "where_broadcast",
        dict(op="where"),
        inputs=[(2, 1, 4), (2, 3, 4), (2, 3, 1)],
        input_dtypes=["bool", "float32", "float32"],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="divide"), inputs=[(2, 3, 4), (2, 5, 4)], match="broadcast")
    yield ErrorSample(dict(op="divide"), inputs=[(2, 3)], match="scalar")
    yield ErrorSample(dict(op="clip"), inputs=[(2, 3)], match="min")
    yield ErrorSample(dict(op="logical_and"), inputs=[(2, 3), (2, 3)], match="bool")
