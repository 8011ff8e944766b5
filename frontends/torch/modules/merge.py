"""``+``, ``-``, ``*``, ``/`` and torch.cat -> add, subtract, multiply, concatenate; with a
number on one side -> rescaling (``x * scale + offset``).

Inputs are brought to one layout first (the first input's, unless it is PyTorch's plain order
and another input is held otherwise, so that the bigger feature maps are not permuted).
"""

from __future__ import annotations

from nnspec.spec.ops.merge import Add, Concatenate, Maximum, Minimum, Multiply, Subtract
from nnspec.spec.ops.rescaling import Rescaling

from ...contexts import TorchNodeContext
from ..registry import from_function
from ..values import Const, Tensor
from ._common import common_layout

_NUMBER = (int, float)


def _is_number(v) -> bool:
    return isinstance(v, _NUMBER) and not isinstance(v, bool)


def rescale(ctx: TorchNodeContext, x: Tensor, scale: float, offset: float):
    if scale == 1.0 and offset == 0.0:
        return x
    out = ctx.emit(Rescaling, [x.ref], scale=float(scale), offset=float(offset))
    return ctx.result(out, x.perm, flat=x.flat, nonneg=x.nonneg and scale >= 0 and offset >= 0)


def _binary(ctx: TorchNodeContext, kind: str):
    from .tensor_ops import binary_node, merge_with_constant

    a, b = ctx.arg(0, "input"), ctx.arg(1, "other")
    alpha = ctx.kwargs.get("alpha", 1)
    if isinstance(a, Const) or isinstance(b, Const):
        if alpha != 1:
            raise ctx.refuse(f"alpha={alpha} is not supported")
        if kind == "div" or _is_number(a) or _is_number(b):
            return binary_node(ctx, "divide", a, b)
        cls = {"add": Add, "sub": Subtract, "mul": Multiply}[kind]
        return merge_with_constant(ctx, cls, a, b)
    if isinstance(a, Tensor) and _is_number(b):
        if kind == "add":
            return rescale(ctx, a, 1.0, b * alpha)
        if kind == "sub":
            return rescale(ctx, a, 1.0, -b * alpha)
        if kind == "mul":
            return rescale(ctx, a, b, 0.0)
        if kind == "div":
            if b == 0:
                raise ctx.refuse("divides by zero")
            return rescale(ctx, a, 1.0 / b, 0.0)
    if _is_number(a) and isinstance(b, Tensor):
        if kind == "add":
            return rescale(ctx, b, alpha, a)
        if kind == "sub":
            return rescale(ctx, b, -alpha, a)
        if kind == "mul":
            return rescale(ctx, b, a, 0.0)
        if kind == "div":
            return binary_node(ctx, "divide", a, b)
    a, b = ctx.tensor(a, "first operand"), ctx.tensor(b, "second operand")
    if alpha != 1:
        raise ctx.refuse(f"alpha={alpha} is not supported")
    if kind == "div":
        return binary_node(ctx, "divide", a, b)
    cls = {"add": Add, "sub": Subtract, "mul": Multiply}[kind]
    refs, perm, flat = common_layout(ctx, [a, b])
    out = ctx.emit(cls, refs)
    nonneg = a.nonneg and b.nonneg and kind != "sub"
    return ctx.result(out, perm, flat=flat, nonneg=nonneg)


@from_function("add", "__add__", "__radd__")
def add(ctx: TorchNodeContext):
    if ctx.fx.target == "__radd__":
        ctx.args = (ctx.args[1], ctx.args[0])
    return _binary(ctx, "add")


@from_function("sub", "subtract", "__sub__")
def sub(ctx: TorchNodeContext):
    return _binary(ctx, "sub")


@from_function("rsub", "__rsub__")
def rsub(ctx: TorchNodeContext):
    ctx.args = (ctx.args[1], ctx.args[0], *ctx.args[2:])
    return _binary(ctx, "sub")


@from_function("mul", "multiply", "__mul__", "__rmul__")
def mul(ctx: TorchNodeContext):
    return _binary(ctx, "mul")


@from_function("truediv", "div", "divide", "__truediv__")
def div(ctx: TorchNodeContext):
    if ctx.kwargs.get("rounding_mode") is not None:
        from .tensor_ops import binary

        return binary(ctx)
    return _binary(ctx, "div")


@from_function("neg", "negative")
def neg(ctx: TorchNodeContext):
    return rescale(ctx, ctx.input(), -1.0, 0.0)


@from_function("maximum", "minimum")
def maximum(ctx: TorchNodeContext):
    if not all(isinstance(v, Tensor) for v in ctx.args[:2]):
        from .tensor_ops import extremum

        return extremum(ctx, ctx.arg(0, "input"), ctx.arg(1, "other"))
    a, b = ctx.input(0, "input"), ctx.input(1, "other")
    refs, perm, flat = common_layout(ctx, [a, b])
    out = ctx.emit(Maximum if ctx.op == "maximum" else Minimum, refs)
    return ctx.result(out, perm, flat=flat, nonneg=a.nonneg or b.nonneg)


@from_function("cat", "concat", "concatenate")
def cat(ctx: TorchNodeContext):
    xs = ctx.arg(0, "tensors")
    dim = ctx.arg(1, "dim", ctx.kwargs.get("axis", 0))
    partner = next((x for x in xs if isinstance(x, Tensor)), None)
    if partner is not None and any(isinstance(x, Const) and x.batch for x in xs):
        from .tensor_shape import batch_broadcast

        d = partner.dim(dim)
        xs = [batch_broadcast(ctx, x, partner, d) if isinstance(x, Const) else x for x in xs]
    xs = [ctx.tensor(x, f"tensor {k}") for k, x in enumerate(xs)]
    if len(xs) == 1:
        return xs[0]
    d = xs[0].dim(dim)
    xs = [ctx.plain(x) for x in xs]
    if any(x.perm[0] == d for x in xs):
        raise ctx.refuse("concatenates along the batch axis; the spec joins samples' axes only")
    refs, perm, _ = common_layout(ctx, xs)
    axis = perm.index(d)
    out = ctx.emit(Concatenate, refs, axis=-1 if axis == len(perm) - 1 else axis)
    return ctx.result(out, perm, nonneg=all(x.nonneg for x in xs))
