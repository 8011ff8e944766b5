"""Attention over sequences (N, T, F): ``multi_head_attention``, ``attention`` (Luong, dot or
concat scores) and ``additive_attention`` (Bahdanau), as Keras computes them.

Masked positions (the causal mask, an explicit attention mask) get a large negative score
before the softmax, as in Keras: a query that may attend to no key at all then averages all
values uniformly. Dropout rates are kept for training; at inference they are identities.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, ClassVar, Literal

from pydantic import Field, PositiveInt

from ..errors import ShapeError
from ..node import ErrorSample, Node, Sample, Weight, require_rank, static_dim
from ..types import TensorType, dims_equal

Rate = Annotated[
    float, Field(ge=0.0, lt=1.0, description="Dropout on the attention weights (training only).")
]


def _sequence(x: TensorType, what: str) -> None:
    require_rank(x, 3, what=f"{what} (batch, time, features)")
    if x.dtype == "bool" or x.dtype.startswith("int"):
        raise ShapeError(f"{what} must be floating point, got dtype {x.dtype!r}")


def _same_steps(a: TensorType, b: TensorType, what: str) -> None:
    if dims_equal(a.shape[1], b.shape[1]) is False or dims_equal(a.shape[0], b.shape[0]) is False:
        raise ShapeError(f"{what}: {a} and {b} must have the same batch and time sizes")


class MultiHeadAttention(Node):
    """Keras ``MultiHeadAttention`` over the time axis. Inputs: query (N, Tq, Dq), value
    (N, Tk, Dv), optionally key (N, Tk, Dk) (default: the value), then, with
    ``attention_mask``, a boolean (N, Tq, Tk) mask (True: may attend).

    ``q = query @ query_kernel + query_bias`` per head (and likewise key, value);
    ``out = sum_h softmax(q_h k_h^T / sqrt(key_dim)) v_h @ output_kernel[h] + output_bias``.

    Weights: ``query_kernel`` (Dq, heads, key_dim), ``key_kernel`` (Dk, heads, key_dim),
    ``value_kernel`` (Dv, heads, value_dim), ``output_kernel`` (heads, value_dim, out); with
    ``use_bias`` the biases ``query_bias`` (heads, key_dim), ``key_bias``, ``value_bias``
    (heads, value_dim) and ``output_bias`` (out,).
    """

    op: Literal["multi_head_attention"] = "multi_head_attention"
    arity: ClassVar[tuple[int, int | None]] = (2, 4)

    num_heads: PositiveInt
    key_dim: PositiveInt = Field(description="Size of each head's queries and keys.")
    value_dim: PositiveInt | None = Field(
        None, description="Size of each head's values; null: key_dim."
    )
    output_shape: PositiveInt | None = Field(
        None, description="Output features; null: the query's."
    )
    use_bias: bool = True
    causal: bool = Field(False, description="Query t attends to keys 0..t only.")
    attention_mask: bool = Field(False, description="The last input is a boolean (N, Tq, Tk) mask.")
    dropout: Rate = 0.0

    def _split(
        self, xs: Sequence[TensorType]
    ) -> tuple[TensorType, TensorType, TensorType, TensorType | None]:
        n = len(xs) - (1 if self.attention_mask else 0)
        if n not in (2, 3):
            mask = ", then the attention mask" if self.attention_mask else ""
            raise ShapeError(f"takes query, value and optionally key{mask}; got {len(xs)} inputs")
        q, v = xs[0], xs[1]
        k = xs[2] if n == 3 else v
        return q, k, v, (xs[-1] if self.attention_mask else None)

    def infer(self, *xs: TensorType) -> TensorType:
        q, k, v, mask = self._split(xs)
        for x, what in ((q, "query"), (k, "key"), (v, "value")):
            _sequence(x, what)
        _same_steps(k, v, "key and value")
        if mask is not None:
            require_rank(mask, 3, what="the attention mask (batch, query steps, key steps)")
            if mask.dtype != "bool":
                raise ShapeError(f"the attention mask must be boolean, got {mask.dtype!r}")
        return q.with_shape((*q.shape[:2], self.output_shape or q.shape[2]))

    def weights(self, *xs: TensorType) -> dict[str, Weight]:
        q, k, v, _ = self._split(xs)
        h, kd = self.num_heads, self.key_dim
        vd = self.value_dim or kd
        out = self.output_shape or static_dim(q, -1, "query features")
        w = {}
        for name, x, d in (("query", q, kd), ("key", k, kd), ("value", v, vd)):
            w[f"{name}_kernel"] = Weight(
                (static_dim(x, -1, f"{name} features"), h, d), "glorot_uniform", "(in, heads, dim)"
            )
            if self.use_bias:
                w[f"{name}_bias"] = Weight((h, d), "zeros", "(heads, dim)")
        w["output_kernel"] = Weight((h, vd, out), "glorot_uniform", "(heads, value_dim, out)")
        if self.use_bias:
            w["output_bias"] = Weight((out,), "zeros")
        return w


class _PairAttention(Node):
    arity: ClassVar[tuple[int, int | None]] = (2, 3)
    use_scale: bool = False
    causal: bool = Field(False, description="Query t attends to values 0..t only.")
    dropout: Rate = 0.0

    def infer(self, q: TensorType, v: TensorType, k: TensorType | None = None) -> TensorType:
        k = k if k is not None else v
        for x, what in ((q, "query"), (k, "key"), (v, "value")):
            _sequence(x, what)
        _same_steps(k, v, "key and value")
        if dims_equal(q.shape[2], k.shape[2]) is False:
            raise ShapeError(f"query {q} and key {k} must have the same number of features")
        return q.with_shape((*q.shape[:2], v.shape[2]))


class Attention(_PairAttention):
    """Keras ``Attention`` (Luong): scores ``q @ k^T`` (``dot``; times ``scale`` with
    ``use_scale``) or ``concat_score_weight * sum(tanh(scale * (q_i + k_j)))`` (``concat``);
    ``out = softmax(scores) @ v``. Inputs: query, value, optionally key (default: value).

    Weights: ``scale`` () with ``use_scale``; ``concat_score_weight`` () with ``concat``.
    """

    op: Literal["attention"] = "attention"
    score_mode: Literal["dot", "concat"] = "dot"

    def weights(self, *xs: TensorType) -> dict[str, Weight]:
        w = {}
        if self.use_scale:
            w["scale"] = Weight((), "ones", "scalar")
        if self.score_mode == "concat":
            w["concat_score_weight"] = Weight((), "ones", "scalar")
        return w


class AdditiveAttention(_PairAttention):
    """Keras ``AdditiveAttention`` (Bahdanau): scores ``sum(scale * tanh(q_i + k_j))`` over
    features (``scale`` 1 without ``use_scale``); ``out = softmax(scores) @ v``.

    Weights: ``scale`` (features,) with ``use_scale``.
    """

    op: Literal["additive_attention"] = "additive_attention"
    use_scale: bool = True

    def weights(self, q: TensorType, *rest: TensorType) -> dict[str, Weight]:
        if not self.use_scale:
            return {}
        return {"scale": Weight((static_dim(q, -1, "query features"),), "glorot_uniform")}


OPS = (MultiHeadAttention, Attention, AdditiveAttention)


def samples() -> Iterable[Sample]:
    yield Sample(
        "mha_self",
        dict(op="multi_head_attention", num_heads=2, key_dim=3),
        inputs=[(2, 5, 4), (2, 5, 4)],
    )
    yield Sample(
        "mha_cross_key_value_dim_output",
        dict(
            op="multi_head_attention",
            num_heads=3,
            key_dim=2,
            value_dim=4,
            output_shape=5,
            causal=True,
        ),
        inputs=[(2, 4, 6), (2, 6, 3), (2, 6, 2)],
    )
    yield Sample(
        "mha_no_bias",
        dict(op="multi_head_attention", num_heads=1, key_dim=4, use_bias=False),
        inputs=[(2, 3, 4), (2, 5, 2)],
    )
    yield Sample("attention_dot", dict(op="attention"), inputs=[(2, 4, 3), (2, 5, 3)])
    yield Sample(
        "attention_scaled_causal",
        dict(op="attention", use_scale=True, causal=True),
        inputs=[(2, 4, 3), (2, 4, 2), (2, 4, 3)],
    )
    yield Sample(
        "attention_concat",
        dict(op="attention", score_mode="concat", use_scale=True),
        inputs=[(2, 4, 3), (2, 5, 3)],
    )
    yield Sample("additive", dict(op="additive_attention"), inputs=[(2, 4, 3), (2, 5, 3)])
    yield Sample(
        "additive_unscaled_causal",
        dict(op="additive_attention", use_scale=False, causal=True),
        inputs=[(2, 4, 3), (2, 4, 3)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="attention"), inputs=[(2, 4, 3), (2, 5, 2)], match="features")
    yield ErrorSample(
        dict(op="multi_head_attention", num_heads=2, key_dim=2),
        inputs=[(2, 4, 3), (2, 5, 3), (2, 6, 3)],
        match="same batch and time",
    )
