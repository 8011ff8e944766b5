"""Elementwise tensor ops as torch expressions (canonical layout: no axes involved)."""

from __future__ import annotations

from nnspec.spec.ops import elementwise as E

from ...codegen_common import literal
from ._canonical import Canonical, canonical

_UNARY = {
    "abs": "torch.abs",
    "neg": "torch.neg",
    "sign": "torch.sign",
    "exp": "torch.exp",
    "log": "torch.log",
    "log1p": "torch.log1p",
    "log2": "torch.log2",
    "log10": "torch.log10",
    "sqrt": "torch.sqrt",
    "rsqrt": "torch.rsqrt",
    "square": "torch.square",
    "reciprocal": "torch.reciprocal",
    "sin": "torch.sin",
    "cos": "torch.cos",
    "tanh": "torch.tanh",
    "erf": "torch.erf",
    "floor": "torch.floor",
    "ceil": "torch.ceil",
    "round": "torch.round",
    "log_sigmoid": "F.logsigmoid",
    "tanh_shrink": "F.tanhshrink",
    "logical_not": "torch.logical_not",
}
_DTYPES = {
    "float32": "torch.float32",
    "float16": "torch.float16",
    "bfloat16": "torch.bfloat16",
    "float64": "torch.float64",
    "int32": "torch.int32",
    "int64": "torch.int64",
    "int16": "torch.int16",
    "int8": "torch.int8",
    "uint8": "torch.uint8",
    "bool": "torch.bool",
}
_OPERATORS = {
    "divide": "/",
    "power": "**",
    "equal": "==",
    "not_equal": "!=",
    "less": "<",
    "less_equal": "<=",
    "greater": ">",
    "greater_equal": ">=",
}
_FUNCTIONS = {
    "mod": "torch.remainder",
    "logical_and": "torch.logical_and",
    "logical_or": "torch.logical_or",
    "logical_xor": "torch.logical_xor",
}


def torch_dtype(name: str) -> str:
    return _DTYPES[name]


@canonical(*E.UNARY, E.LogicalNot)
def unary(node, c: Canonical) -> str:
    return f"{_UNARY[node.op]}({c.x})"


@canonical(E.Clip)
def clip(node: E.Clip, c: Canonical) -> str:
    bounds = {k: v for k, v in (("min", node.min), ("max", node.max)) if v is not None}
    return f"torch.clamp({c.x}, {', '.join(f'{k}={literal(v)}' for k, v in bounds.items())})"


@canonical(E.Softplus)
def softplus(node: E.Softplus, c: Canonical) -> str:
    # threshold null: PyTorch's default 20 is exact in float32 (log1p(exp(-20)) < 1e-8)
    kwargs = {} if node.beta == 1 else {"beta": node.beta}
    if node.threshold is not None:
        kwargs["threshold"] = node.threshold
    args = "".join(f", {k}={literal(v)}" for k, v in kwargs.items())
    return f"F.softplus({c.x}{args})"


@canonical(E.Shrink)
def shrink(node: E.Shrink, c: Canonical) -> str:
    fn = "F.hardshrink" if node.kind == "hard" else "F.softshrink"
    return f"{fn}({c.x}, {literal(node.lambd)})"


@canonical(E.Cast)
def cast(node: E.Cast, c: Canonical) -> str:
    return f"{c.x}.to({torch_dtype(node.dtype)})"


def operands(node, c: Canonical) -> tuple[str, str]:
    if len(c.inputs) == 2:
        return c.inputs[0], c.inputs[1]
    s = literal(node.scalar)
    s = f"({s})" if s.startswith("-") else s  # -2 ** x is -(2 ** x)
    return (s, c.x) if node.scalar_first else (c.x, s)


@canonical(*E.BINARY)
def binary(node, c: Canonical) -> str:
    a, b = operands(node, c)
    if node.op in _OPERATORS:
        return f"{a} {_OPERATORS[node.op]} {b}"
    if node.scalar_first:  # torch functions take the number second only
        a = f"torch.full_like({c.x}, {a})"
    if node.op == "floor_divide":
        return f"torch.div({a}, {b}, rounding_mode='floor')"
    return f"{_FUNCTIONS[node.op]}({a}, {b})"


@canonical(E.Where)
def where(node: E.Where, c: Canonical) -> str:
    rest = iter(c.inputs[1:])
    a = literal(node.a_scalar) if node.a_scalar is not None else next(rest)
    b = literal(node.b_scalar) if node.b_scalar is not None else next(rest)
    if node.a_scalar is not None and node.b_scalar is not None:
        a = f"torch.tensor({a})"
    return f"torch.where({c.x}, {a}, {b})"
