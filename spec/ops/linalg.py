"""Linear algebra on tensors: ``matmul`` with batch broadcasting, ``einsum`` and scaled
dot-product attention. (PyTorch's ``F.linear`` with a weight becomes ``dense``.)"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import ClassVar, Literal

from pydantic import Field

from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Sample
from ..types import Dim, TensorType, dims_equal, merge_dim
from ._tensor import broadcast_shapes, require_float, result_dtype
from .elementwise import TensorOp


def _contract(a: Dim, b: Dim, what: str) -> Dim:
    if dims_equal(a, b) is False:
        raise ShapeError(f"{what}: sizes {a} and {b} differ")
    return merge_dim(a, b)


class Matmul(TensorOp):
    """Matrix product over the last two axes, numpy's ``matmul``: ``(..., n, k) @ (..., k, m)
    -> (..., n, m)``, leading axes broadcast. A rank-2 operand is one matrix for every
    sample (``x @ W``)."""

    arity: ClassVar[int | tuple[int, int | None]] = 2
    op: Literal["matmul"] = "matmul"

    def infer(self, a: TensorType, b: TensorType) -> TensorType:
        dtype = result_dtype(a, b)
        if a.rank < 2 or b.rank < 2:
            raise ShapeError(f"operands need rank >= 2, got {a} and {b}")
        _contract(a.shape[-1], b.shape[-2], f"contracted axes of {a} and {b}")
        lead = broadcast_shapes(a.shape[:-2], b.shape[:-2])
        return TensorType((*lead, a.shape[-2], b.shape[-1]), dtype)


def parse_einsum(equation: str, ranks: list[int]) -> tuple[list[str], str]:
    """Input and output subscripts with ``...`` spelt out as capital letters."""
    eq = equation.replace(" ", "")
    if "->" not in eq:
        raise AttrError("equation", f"needs an explicit output ('->'), got {equation!r}")
    lhs, out = eq.split("->")
    ins = lhs.split(",")
    if len(ins) != len(ranks):
        raise AttrError("equation", f"names {len(ins)} operand(s), the node has {len(ranks)}")
    spare = [c for c in string.ascii_uppercase if c not in eq]
    ell = 0
    spelt = []
    for term, rank in zip(ins, ranks):
        if not all(c.isalpha() or c == "." for c in term):
            raise AttrError("equation", f"bad subscripts {term!r} in {equation!r}")
        if "..." in term:
            n = rank - (len(term) - 3)
            if n < 0:
                raise AttrError("equation", f"{term!r} has more letters than rank {rank}")
            ell = max(ell, n)
            term = term.replace("...", "".join(spare[ell - n : ell]) if n else "")
        if len(term) != rank:
            raise AttrError(
                "equation", f"subscripts {term!r} do not match an operand of rank {rank}"
            )
        spelt.append(term)
    out = out.replace("...", "".join(spare[:ell]))
    return spelt, out


class Einsum(TensorOp):
    """Einstein summation, ``equation`` as numpy, PyTorch and Keras write it (explicit
    output, ``...`` allowed). The output's first subscript should be the batch's."""

    arity: ClassVar[int | tuple[int, int | None]] = (1, None)
    op: Literal["einsum"] = "einsum"
    equation: str = Field(description="e.g. 'bhqd,bhkd->bhqk'.")

    def infer(self, *xs: TensorType) -> TensorType:
        dtype = result_dtype(*xs)
        ins, out = parse_einsum(self.equation, [x.rank for x in xs])
        sizes: dict[str, Dim] = {}
        for term, x in zip(ins, xs):
            for c, d in zip(term, x.shape):
                if c in sizes and d != 1 and sizes[c] != 1:
                    sizes[c] = _contract(sizes[c], d, f"subscript {c!r}")
                elif c not in sizes or sizes[c] == 1:
                    sizes[c] = d
        missing = [c for c in out if c not in sizes]
        if missing or len(set(out)) != len(out):
            raise AttrError("equation", f"bad output subscripts {out!r} in {self.equation!r}")
        return TensorType(tuple(sizes[c] for c in out), dtype)


class ScaledDotProductAttention(TensorOp):
    """``softmax(q @ k^T * scale + mask) @ v``, as PyTorch's
    ``F.scaled_dot_product_attention`` at inference (dropout ignored). Inputs ``q`` (N, ...,
    L, E), ``k`` (N, ..., S, E), ``v`` (N, ..., S, Ev), and optionally a mask that broadcasts to
    (N, ..., L, S): bool (true = attend) or float (added to the scores). Output (N, ..., L, Ev).
    """

    arity: ClassVar[int | tuple[int, int | None]] = (3, 4)
    op: Literal["scaled_dot_product_attention"] = "scaled_dot_product_attention"
    causal: bool = Field(False, description="Query i attends to keys j <= i only.")
    scale: float | None = Field(None, description="Score factor; null: 1 / sqrt(E).")

    def infer(self, q: TensorType, k: TensorType, v: TensorType, *mask: TensorType) -> TensorType:
        dtype = result_dtype(q, k, v)
        require_float(q, "query")
        if not q.rank == k.rank == v.rank or q.rank < 3:
            raise ShapeError(f"q, k, v need one rank >= 3, got {q}, {k}, {v}")
        _contract(q.shape[-1], k.shape[-1], "query and key features")
        _contract(k.shape[-2], v.shape[-2], "key and value lengths")
        lead = broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
        if mask and self.causal:
            raise AttrError("causal", "give a mask or causal, not both (PyTorch refuses both)")
        if mask:
            broadcast_shapes(mask[0].shape, (*lead, q.shape[-2], k.shape[-2]))
            if mask[0].dtype != "bool" and mask[0].dtype != dtype:
                raise ShapeError(f"mask must be bool or {dtype}, got {mask[0].dtype}")
        return TensorType((*lead, q.shape[-2], v.shape[-1]), dtype)


OPS = (Matmul, Einsum, ScaledDotProductAttention)


def samples() -> Iterable[Sample]:
    yield Sample("matmul_batched", dict(op="matmul"), inputs=[(2, 3, 4, 5), (2, 3, 5, 6)])
    yield Sample("matmul_broadcast", dict(op="matmul"), inputs=[(2, 3, 4, 5), (2, 1, 5, 6)])
    yield Sample("matmul_matrix", dict(op="matmul"), inputs=[(2, 4, 5), (5, 3)])
    yield Sample(
        "einsum_scores",
        dict(op="einsum", equation="bhqd,bhkd->bhqk"),
        inputs=[(2, 2, 3, 4), (2, 2, 5, 4)],
    )
    yield Sample(
        "einsum_ellipsis", dict(op="einsum", equation="...c,cd->...d"), inputs=[(2, 3, 4), (4, 5)]
    )
    yield Sample("einsum_outer", dict(op="einsum", equation="bi,bj->bij"), inputs=[(2, 3), (2, 4)])
    yield Sample(
        "sdpa",
        dict(op="scaled_dot_product_attention"),
        inputs=[(2, 2, 4, 8), (2, 2, 6, 8), (2, 2, 6, 5)],
    )
    yield Sample(
        "sdpa_causal_scale",
        dict(op="scaled_dot_product_attention", causal=True, scale=0.3),
        inputs=[(2, 5, 8), (2, 5, 8), (2, 5, 8)],
    )
    yield Sample(
        "sdpa_float_mask",
        dict(op="scaled_dot_product_attention"),
        inputs=[(2, 4, 8), (2, 6, 8), (2, 6, 8), (2, 4, 6)],
    )
    yield Sample(
        "sdpa_bool_mask",
        dict(op="scaled_dot_product_attention"),
        inputs=[(2, 4, 8), (2, 6, 8), (2, 6, 8), (2, 1, 6)],
        input_dtypes=["float32", "float32", "float32", "bool"],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="matmul"), inputs=[(2, 3, 4), (2, 5, 6)], match="differ")
    yield ErrorSample(dict(op="einsum", equation="ij,jk"), inputs=[(2, 3), (3, 4)], match="->")
    yield ErrorSample(dict(op="einsum", equation="bij->bi"), inputs=[(2, 3)], match="rank")
