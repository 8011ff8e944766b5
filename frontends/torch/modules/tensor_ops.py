"""PyTorch math between layers -> the spec's tensor ops: elementwise functions and
operators, comparisons, ``where`` / ``masked_fill``, reductions, matmul / einsum /
``F.scaled_dot_product_attention``.

Elementwise ops keep the layout their operands have (one layout for both, as merge.py
chooses); a parameter or buffer operand becomes a ``constant`` in that layout. Reductions map
PyTorch dims to spec axes in whatever layout the tensor has. Matrix products and einsum run
in PyTorch's own dim order.
"""

from __future__ import annotations

import numpy as np

from nnspec.spec.node import Node
from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import linalg as L
from nnspec.spec.ops import reduce as R
from nnspec.spec.ops.merge import Maximum, Minimum

from ...contexts import TorchNodeContext
from ..broadcast import ranks_aligned
from ..constants import as_tensor
from ..registry import from_function, from_module
from ..values import Const, Tensor, identity
from ._common import common_layout

_NUMBER = (int, float, bool)


def is_number(v) -> bool:
    return isinstance(v, (*_NUMBER, np.number))


def plain_order(ctx: TorchNodeContext, x: Tensor) -> str:
    """``x`` in PyTorch's dim order (the batch must be dim 0)."""
    return ctx.as_perm(x, identity(x.rank))


def same_layout(
    ctx: TorchNodeContext, values: list
) -> tuple[list[str], tuple[int, ...], list[Tensor]]:
    """Tensors and constants of one rank in one layout: (refs, perm, tensors)."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    if not tensors:
        raise ctx.refuse("has no operand computed from the inputs")
    if len({t.rank for t in tensors}) > 1:
        aligned = iter(ranks_aligned(ctx, tensors))
        values = [next(aligned) if isinstance(v, Tensor) else v for v in values]
        tensors = [v for v in values if isinstance(v, Tensor)]
    if len({t.rank for t in tensors}) > 1:
        raise ctx.refuse(
            "broadcasts tensors of different ranks ("
            + ", ".join(str(t.shape) for t in tensors)
            + "); the spec keeps the batch on axis 0, so both need the same rank",
            hint="unsqueeze the smaller one first",
        )
    if len(tensors) > 1:
        refs, perm, _ = common_layout(ctx, tensors)
        tensors = [Tensor(r, t.shape, t.dtype, perm) for r, t in zip(refs, tensors)]
    like = ctx.plain(tensors[0])
    it = iter(tensors)
    out = []
    for v in values:
        out.append(next(it) if isinstance(v, Tensor) else as_tensor(ctx, v, like))
    return [t.ref for t in out], like.perm, out


def _result(ctx: TorchNodeContext, ref, perm, **kw):
    return ctx.result(ref, perm, **kw)


# --- unary --------------------------------------------------------------------------------

UNARY = {
    "abs": "abs",
    "absolute": "abs",
    "sign": "sign",
    "log": "log",
    "log1p": "log1p",
    "log2": "log2",
    "log10": "log10",
    "sqrt": "sqrt",
    "rsqrt": "rsqrt",
    "square": "square",
    "reciprocal": "reciprocal",
    "sin": "sin",
    "cos": "cos",
    "erf": "erf",
    "floor": "floor",
    "ceil": "ceil",
    "round": "round",
    "logsigmoid": "log_sigmoid",
    "log_sigmoid": "log_sigmoid",
    "tanhshrink": "tanh_shrink",
    "logical_not": "logical_not",
    "bitwise_not": "logical_not",
    "invert": "logical_not",
    "__invert__": "logical_not",
}
_UNARY_OPS: tuple[type[Node], ...] = (*E.UNARY, E.LogicalNot)
_UNARY_CLASSES = {cls.tag(): cls for cls in _UNARY_OPS}


def unary_node(ctx: TorchNodeContext, cls, x: Tensor, **attrs) -> Tensor:
    x = ctx.tensor(x)
    out = ctx.emit(cls, [x.ref], **attrs)
    return ctx.result(out, x.perm, flat=x.flat, dtype=ctx.out_dtype())


@from_function(*UNARY)
def unary(ctx: TorchNodeContext):
    tag = UNARY[ctx.op]
    x = ctx.input()
    if tag == "logical_not" and x.dtype != "bool":
        raise ctx.refuse(f"bitwise not of a {x.dtype} tensor (only bool tensors)")
    if tag == "round" and ctx.kwargs.get("decimals", 0):
        raise ctx.refuse("round(decimals=...) is not supported")
    return unary_node(ctx, _UNARY_CLASSES[tag], x)


@from_function("hardshrink", "softshrink")
def shrink(ctx: TorchNodeContext):
    return unary_node(
        ctx, E.Shrink, ctx.input(), kind=ctx.op[:4], lambd=float(ctx.arg(1, "lambd", 0.5))
    )


def clip(ctx: TorchNodeContext, x, low, high) -> Tensor:
    for v in (low, high):
        if v is not None and not is_number(v):
            raise ctx.refuse(f"the bound {v!r} is not a number (tensor bounds are not supported)")
    lo = None if low is None else float(low)
    hi = None if high is None else float(high)
    return unary_node(ctx, E.Clip, x, min=lo, max=hi)


def softplus(ctx: TorchNodeContext, x, beta, threshold) -> Tensor:
    return unary_node(ctx, E.Softplus, x, beta=float(beta), threshold=float(threshold))


# --- binary -------------------------------------------------------------------------------

BINARY = {
    "truediv": "divide",
    "div": "divide",
    "divide": "divide",
    "__truediv__": "divide",
    "__rtruediv__": "divide",
    "floordiv": "floor_divide",
    "floor_divide": "floor_divide",
    "__floordiv__": "floor_divide",
    "mod": "mod",
    "remainder": "mod",
    "__mod__": "mod",
    "pow": "power",
    "__pow__": "power",
    "__rpow__": "power",
    "float_power": "power",
    "eq": "equal",
    "__eq__": "equal",
    "ne": "not_equal",
    "__ne__": "not_equal",
    "not_equal": "not_equal",
    "lt": "less",
    "less": "less",
    "__lt__": "less",
    "le": "less_equal",
    "less_equal": "less_equal",
    "__le__": "less_equal",
    "gt": "greater",
    "greater": "greater",
    "__gt__": "greater",
    "ge": "greater_equal",
    "greater_equal": "greater_equal",
    "__ge__": "greater_equal",
    "logical_and": "logical_and",
    "and": "logical_and",
    "__and__": "logical_and",
    "bitwise_and": "logical_and",
    "logical_or": "logical_or",
    "or": "logical_or",
    "__or__": "logical_or",
    "bitwise_or": "logical_or",
    "logical_xor": "logical_xor",
    "xor": "logical_xor",
    "__xor__": "logical_xor",
    "bitwise_xor": "logical_xor",
}
_BINARY_CLASSES = {cls.tag(): cls for cls in E.BINARY}
_LOGICAL = ("logical_and", "logical_or", "logical_xor")


def binary_node(ctx: TorchNodeContext, tag: str, a, b) -> Tensor:
    """``a (op) b`` for tensors, constants and numbers."""
    cls = _BINARY_CLASSES[tag]
    if tag in _LOGICAL and not ctx.op.startswith("logical"):
        for v in (a, b):
            if isinstance(v, Tensor) and v.dtype != "bool":
                raise ctx.refuse(f"bitwise {tag[8:]} of a {v.dtype} tensor (bool tensors only)")
    if is_number(a) or is_number(b):
        first = is_number(a)
        x = ctx.tensor(b if first else a)
        value = a if first else b
        value = value.item() if hasattr(value, "item") else value
        if isinstance(value, float) and x.dtype.startswith("int"):
            raise ctx.refuse(f"mixes an {x.dtype} tensor with the float {value} (cast first)")
        out = ctx.emit(cls, [x.ref], scalar=value, scalar_first=first)
        return ctx.result(out, x.perm, flat=x.flat, dtype=ctx.out_dtype())
    refs, perm, _ = same_layout(ctx, [a, b])
    out = ctx.emit(cls, refs)
    return ctx.result(out, perm, dtype=ctx.out_dtype())


@from_function(*(n for n in BINARY if n not in ("truediv", "div", "divide", "__truediv__")))
def binary(ctx: TorchNodeContext):
    """Also serves ``/`` when merge.py's ``div`` meets what ``rescaling`` cannot hold."""
    a, b = ctx.arg(0, "input"), ctx.arg(1, "other")
    if str(ctx.fx.target).startswith("__r"):
        a, b = b, a
    if ctx.op in ("div", "divide") and ctx.kwargs.get("rounding_mode") is not None:
        mode = ctx.kwargs["rounding_mode"]
        if mode != "floor":
            raise ctx.refuse(f"rounding_mode={mode!r} is not supported (floor only)")
        return binary_node(ctx, "floor_divide", a, b)
    return binary_node(ctx, BINARY[ctx.op], a, b)


def merge_with_constant(ctx: TorchNodeContext, cls, a, b, nonneg=False) -> Tensor:
    """A merge op (add, multiply, ...) where an operand is a constant."""
    refs, perm, _ = same_layout(ctx, [a, b])
    out = ctx.emit(cls, refs)
    return ctx.result(out, perm, dtype=ctx.out_dtype(), nonneg=nonneg)


def extremum(ctx: TorchNodeContext, a, b) -> Tensor:
    """maximum / minimum with a number (a clip) or a constant."""
    is_max = ctx.op in ("maximum", "max", "fmax", "clamp_min")
    if is_number(a) or is_number(b):
        x, v = (b, a) if is_number(a) else (a, b)
        return clip(ctx, ctx.tensor(x), v if is_max else None, None if is_max else v)
    return merge_with_constant(ctx, Maximum if is_max else Minimum, a, b)


@from_function("where")
def where(ctx: TorchNodeContext):
    cond, a, b = ctx.arg(0, "condition"), ctx.arg(1, "input"), ctx.arg(2, "other")
    return where_node(ctx, cond, a, b)


def where_node(ctx: TorchNodeContext, cond, a, b) -> Tensor:
    attrs = {}
    values = [cond]
    for v, key in ((a, "a_scalar"), (b, "b_scalar")):
        if is_number(v):
            attrs[key] = v.item() if hasattr(v, "item") else v
        else:
            values.append(v)
    refs, perm, _ = same_layout(ctx, values)
    out = ctx.emit(E.Where, refs, **attrs)
    return ctx.result(out, perm, dtype=ctx.out_dtype())


@from_function("masked_fill")
def masked_fill(ctx: TorchNodeContext):
    x, mask, value = ctx.arg(0, "input"), ctx.arg(1, "mask"), ctx.arg(2, "value")
    if not is_number(value):
        raise ctx.refuse("masked_fill with a tensor value is not supported")
    return where_node(ctx, mask, value, x)


_DTYPE_OF_METHOD = {
    "long": "int64",
    "int": "int32",
    "bool": "bool",
    "float": "float32",
    "double": "float64",
}


def cast(ctx: TorchNodeContext, x: Tensor, dtype: str) -> Tensor:
    if dtype == x.dtype:
        return x
    out = ctx.emit(E.Cast, [x.ref], dtype=dtype)
    return ctx.result(out, x.perm, flat=x.flat, dtype=dtype)


@from_function("long", "int", "bool", "double")
def cast_method(ctx: TorchNodeContext):
    return cast(ctx, ctx.input(), _DTYPE_OF_METHOD[ctx.op])


# --- reductions ---------------------------------------------------------------------------

_REDUCE = {
    "sum": R.Sum,
    "mean": R.Mean,
    "amax": R.Max,
    "amin": R.Min,
    "max": R.Max,
    "min": R.Min,
    "prod": R.Prod,
    "var": R.Var,
    "std": R.Std,
    "logsumexp": R.Logsumexp,
    "any": R.Any,
    "all": R.All,
    "norm": R.Norm,
    "vector_norm": R.Norm,
}


def reduce_axes(ctx: TorchNodeContext, x: Tensor, dims) -> tuple[list[int], list[int]]:
    """(PyTorch dims, spec axes) reduced; refuses the batch and 'every dim'."""
    if dims is None:
        raise ctx.refuse("reduces every dim, the batch included; give dim=")
    dims = [dims] if isinstance(dims, int) else list(dims)
    torch_dims = sorted({x.dim(d) for d in dims})
    if x.perm[0] in torch_dims:
        raise ctx.refuse(f"reduces the batch dim ({x.perm[0]}); the spec reduces within samples")
    return torch_dims, [x.spec_axis(d) for d in torch_dims]


def reduced_perm(perm: tuple[int, ...], dims: list[int], keepdims: bool) -> tuple[int, ...]:
    if keepdims:
        return perm
    kept = [p for p in perm if p not in dims]
    return tuple(p - sum(d < p for d in dims) for p in kept)


def reduce(
    ctx: TorchNodeContext, cls, x: Tensor, dims, keepdims: bool, shape=None, **attrs
) -> Tensor:
    x = ctx.plain(ctx.tensor(x))
    torch_dims, axes = reduce_axes(ctx, x, dims)
    axis = axes[0] if len(axes) == 1 else axes
    out = ctx.emit(cls, [x.ref], axis=axis, keepdims=bool(keepdims), **attrs)
    dtype = "bool" if cls in (R.Any, R.All) else x.dtype
    perm = reduced_perm(x.perm, torch_dims, keepdims)
    return ctx.result(out, perm, dtype=dtype, shape=shape)


@from_function(
    "sum",
    "amin",
    "prod",
    "logsumexp",
    "any",
    "all",
    "var",
    "std",
    "norm",
    "vector_norm",
    "cumsum",
    "cumprod",
    "argmax",
    "argmin",
    "min",
    "max",
)
def reduction(ctx: TorchNodeContext):
    x = ctx.arg(0, "input")
    op = ctx.op
    if op in ("max", "min"):
        other = ctx.args[1] if len(ctx.args) > 1 else ctx.kwargs.get("dim", ctx.kwargs.get("other"))
        if isinstance(other, (Tensor, Const)):
            return extremum(ctx, x, other)
    if ctx.kwargs.get("dtype") is not None:
        raise ctx.refuse("dtype= is not supported")
    if op in ("cumsum", "cumprod"):
        x = ctx.plain(ctx.tensor(x))
        d = x.dim(ctx.arg(1, "dim"))
        if d == x.perm[0]:
            raise ctx.refuse("accumulates along the batch dim")
        cls = R.Cumsum if op == "cumsum" else R.Cumprod
        out = ctx.emit(cls, [x.ref], axis=x.spec_axis(d))
        return ctx.result(out, x.perm, dtype=ctx.out_dtype())
    if op in ("argmax", "argmin"):
        dim = ctx.arg(1, "dim", None)
        if dim is None:
            raise ctx.refuse(f"{op} without dim= searches the flattened batch")
        cls = R.Argmax if op == "argmax" else R.Argmin
        x = ctx.plain(ctx.tensor(x))
        torch_dims, axes = reduce_axes(ctx, x, dim)
        keep = bool(ctx.arg(2, "keepdim", False))
        out = ctx.emit(cls, [x.ref], axis=axes[0], keepdims=keep)
        return ctx.result(out, reduced_perm(x.perm, torch_dims, keep), dtype="int64")
    if op in ("norm", "vector_norm"):
        p = ctx.arg(1, "p" if op == "norm" else "ord", 2)
        dim = ctx.arg(2, "dim", None)
        keep = ctx.arg(3, "keepdim", False)
        ords = {1: 1, 2: 2, float("inf"): "inf", "fro": 2}
        if p not in ords:
            raise ctx.refuse(f"p={p!r} is not supported (1, 2 and inf)")
        return reduce(ctx, R.Norm, x, dim, keep, ord=ords[p])
    if op in ("var", "std"):
        dim = ctx.arg(1, "dim", None)
        unbiased = ctx.args[2] if len(ctx.args) > 2 else ctx.kwargs.get("unbiased")
        if isinstance(dim, bool):  # x.var(False): unbiased, no dim
            unbiased, dim = dim, None
        keep = ctx.args[3] if len(ctx.args) > 3 else ctx.kwargs.get("keepdim", False)
        correction = ctx.kwargs.get("correction")
        if correction is None:
            correction = 1 if unbiased in (None, True) else 0
        return reduce(ctx, _REDUCE[op], x, dim, keep, correction=int(correction))
    dim = ctx.arg(1, "dim", None)
    keep = ctx.arg(2, "keepdim", False)
    if op in ("max", "min"):
        if dim is None:
            raise ctx.refuse(f"{op}() without dim reduces the batch too")
        values = reduce(ctx, _REDUCE[op], x, dim, keep, shape=ctx.out_shape(0))
        cls = R.Argmax if op == "max" else R.Argmin
        t = ctx.plain(ctx.tensor(x))
        torch_dims, axes = reduce_axes(ctx, t, dim)
        idx = ctx.emit(cls, [t.ref], suffix="indices", axis=axes[0], keepdims=bool(keep))
        indices = ctx.result(
            idx, reduced_perm(t.perm, torch_dims, keep), dtype="int64", shape=ctx.out_shape(1)
        )
        return (values, indices)
    return reduce(ctx, _REDUCE[op], x, dim, keep)


def mean(ctx: TorchNodeContext, x, dims, keepdims) -> Tensor:
    return reduce(ctx, R.Mean, x, dims, keepdims)


# --- linear algebra -----------------------------------------------------------------------


@from_function("matmul", "__matmul__", "bmm", "mm")
def matmul(ctx: TorchNodeContext):
    a, b = ctx.arg(0, "input"), ctx.arg(1, "other")
    ta = ctx.tensor(a) if not isinstance(a, Const) else None
    tb = ctx.tensor(b) if not isinstance(b, Const) else None
    refs = []
    for v, t in ((a, ta), (b, tb)):
        if t is not None:
            if t.rank < 2:
                raise ctx.refuse(f"a rank-{t.rank} operand (vectors are not supported)")
            refs.append(plain_order(ctx, t))
        else:
            refs.append(as_tensor(ctx, v).ref)
    out = ctx.emit(L.Matmul, refs)
    return ctx.result(out, identity(len(ctx.out_shape())))


@from_function("einsum")
def einsum(ctx: TorchNodeContext):
    eq = ctx.arg(0, "equation")
    ops = list(ctx.args[1:])
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = list(ops[0])
    refs = [plain_order(ctx, v) if isinstance(v, Tensor) else as_tensor(ctx, v).ref for v in ops]
    out = ctx.emit(L.Einsum, refs, equation=eq.replace(" ", ""))
    return ctx.result(out, identity(len(ctx.out_shape())))


@from_function("scaled_dot_product_attention")
def sdpa(ctx: TorchNodeContext):
    q, k, v = (ctx.input(i, n) for i, n in enumerate(("query", "key", "value")))
    mask = ctx.arg(3, "attn_mask", None)
    causal = bool(ctx.arg(5, "is_causal", False))
    scale = ctx.kwargs.get("scale")
    if ctx.kwargs.get("enable_gqa"):
        raise ctx.refuse("enable_gqa=True is not supported")
    refs = [plain_order(ctx, t) for t in (q, k, v)]
    if mask is not None:
        m = ctx.tensor(mask) if isinstance(mask, Tensor) else as_tensor(ctx, mask)
        refs.append(plain_order(ctx, m) if isinstance(mask, Tensor) else m.ref)
    out = ctx.emit(
        L.ScaledDotProductAttention,
        refs,
        causal=causal,
        scale=None if scale is None else float(scale),
    )
    return ctx.result(out, identity(q.rank))


@from_function("getattr")
def named_field(ctx: TorchNodeContext):
    """``torch.max(x, dim).values`` / ``.indices``."""
    value, name = ctx.arg(0, "object"), ctx.arg(1, "name")
    if isinstance(value, tuple) and name in ("values", "indices"):
        return value[0 if name == "values" else 1]
    raise ctx.refuse(f"attribute {name!r} of {type(value).__name__} is not supported")


@from_function("linear")
def linear(ctx: TorchNodeContext):
    """F.linear(x, weight, bias) with a parameter weight: a dense layer."""
    from nnspec.spec.ops.dense import Dense

    from ..values import move_to_end

    x, w, b = ctx.input(), ctx.arg(1, "weight"), ctx.arg(2, "bias", None)
    fixed = isinstance(w, Const) and w.value is not None
    if not fixed or (b is not None and not isinstance(b, Const)):
        raise ctx.refuse("F.linear with a weight or bias computed from the inputs (use matmul)")
    x = ctx.plain(x)
    perm = move_to_end(x.perm, x.rank - 1)
    params = {"kernel": np.asarray(w.value, dtype=np.float32).T}
    if b is not None:
        params["bias"] = np.asarray(b.value, dtype=np.float32)
    units = int(w.value.shape[0])
    ref = ctx.as_perm(x, perm)
    out = ctx.emit(Dense, [ref], units=units, use_bias=b is not None, params=params)
    return ctx.result(out, perm)


@from_module("LogSigmoid", "Tanhshrink", "Hardshrink", "Softshrink")
def activation_module(m, ctx: TorchNodeContext):
    name = type(m).__name__
    if name == "LogSigmoid":
        return unary_node(ctx, E.LogSigmoid, ctx.input())
    if name == "Tanhshrink":
        return unary_node(ctx, E.TanhShrink, ctx.input())
    kind = "hard" if name == "Hardshrink" else "soft"
    return unary_node(ctx, E.Shrink, ctx.input(), kind=kind, lambd=float(m.lambd))


@from_function("sort", "argsort", "topk", "msort")
def sort(ctx):
    """torch.sort / argsort / msort / topk -> sort or top_k (values and int64 indices).

    The spec's sort is stable; PyTorch leaves the order of equal elements open unless
    ``stable=True``, so either is PyTorch's answer. ``topk(sorted=False)`` is refused: its
    order is PyTorch's implementation detail."""
    x = ctx.plain(ctx.input())
    op = ctx.op
    if op == "topk":
        k, dim = ctx.arg(1, "k"), ctx.arg(2, "dim", -1)
        largest, ordered = ctx.arg(3, "largest", True), ctx.arg(4, "sorted", True)
        if not ordered:
            raise ctx.refuse("sorted=False leaves the order of the k values to PyTorch")
    else:
        dim = 0 if op == "msort" else ctx.arg(1, "dim", -1)
        descending = bool(ctx.arg(2, "descending", False)) if op != "msort" else False
    d = x.dim(dim)
    if d == x.perm[0]:
        raise ctx.refuse(f"{op} along the batch dim (the spec keeps samples apart)")
    axis = x.spec_axis(d)
    if op == "topk":
        out = ctx.emit(R.TopK, [x.ref], k=int(k), axis=axis, largest=bool(largest))
        shape = ctx.out_shape(0)
    else:
        out = ctx.emit(R.Sort, [x.ref], axis=axis, descending=descending)
        shape = x.shape
    values = ctx.result(out, x.perm, shape=shape, dtype=x.dtype)
    indices = ctx.result(f"{out}:1", x.perm, shape=shape, dtype="int64")
    if op == "argsort":
        return indices
    if op == "msort":
        return values
    return (values, indices)


@from_function("normalize")
def normalize(ctx):
    """F.normalize: x / max(||x||_p over dim, eps)."""
    x = ctx.plain(ctx.input())
    p, dim, eps = ctx.arg(1, "p", 2.0), ctx.arg(2, "dim", 1), ctx.arg(3, "eps", 1e-12)
    ords = {1: 1, 2: 2, float("inf"): "inf"}
    if p not in ords:
        raise ctx.refuse(f"p={p!r} is not supported (1, 2 and inf)")
    d = x.dim(dim)
    shape = tuple(1 if i == d else n for i, n in enumerate(x.shape))
    norm = reduce(ctx, R.Norm, x, d, True, shape=shape, ord=ords[p])
    out = ctx.emit(E.Clip, [norm.ref], suffix="eps", min=float(eps), max=None)
    clipped = ctx.result(out, norm.perm, shape=shape, dtype=x.dtype)
    refs, perm, _ = same_layout(ctx, [x, clipped])
    out = ctx.emit(_BINARY_CLASSES["divide"], refs, suffix="divide")
    return ctx.result(out, perm, dtype=x.dtype)
