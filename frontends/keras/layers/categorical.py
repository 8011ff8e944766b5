"""Keras CategoryEncoding, IntegerLookup and Discretization on numeric inputs -> tensor ops:
each value compared with a constant row of the categories (``equal`` / ``greater_equal``
against ``(1, ..., 1, K)``), then summed, reduced or cast as the output mode says. Values
outside the categories give what Keras gives: no count (one_hot, multi_hot, count) or the
OOV index (IntegerLookup)."""

from __future__ import annotations

import numpy as np

from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import reduce as R
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops.constant import Constant

from ..registry import from_layer


class _Chain:
    """Nodes named after the layer, each taking the previous one's output."""

    def __init__(self, ctx):
        self.ctx, self.ref, self.rank = ctx, ctx.inputs[0], len(ctx.in_shapes[0])

    def add(self, cls, suffix: str, *extra: str, **attrs) -> str:
        node = self.ctx.node(cls, suffix=suffix, inputs=[self.ref, *extra], **attrs)
        self.ref = node.name
        return self.ref

    def row(self, suffix: str, values: np.ndarray) -> str:
        """The categories as a (1, ..., 1, K) constant against (N, ..., 1)."""
        value = values.reshape((1,) * self.rank + values.shape)
        node = self.ctx.node(
            Constant,
            suffix=suffix,
            inputs=[],
            params={"value": value},
            shape=list(value.shape),
            dtype=str(value.dtype),
            trainable=False,
        )
        return node.name


def _encode(chain: _Chain, ctx, hits: str, mode: str, dtype: str) -> str:
    """From boolean hits (N, ..., L, K): one_hot keeps them, multi_hot and count reduce L."""
    chain.ref = hits
    if mode == "one_hot":
        return chain.add(E.Cast, "one_hot", dtype=dtype)
    if chain.rank < 2:
        raise ctx.refuse("output_mode", f"{mode} needs inputs of rank >= 2 (batch, values)")
    if mode == "multi_hot":
        chain.add(R.Any, "any", axis=-2)
        return chain.add(E.Cast, "multi_hot", dtype=dtype)
    chain.add(E.Cast, "hits", dtype=dtype)
    return chain.add(R.Sum, "count", axis=-2)


def _one_hot_input(chain: _Chain, ctx) -> None:
    """Keras' one_hot drops a last axis of size 1 first (unless it is the only one)."""
    shape = ctx.in_shapes[0]
    if ctx.config["output_mode"] == "one_hot" and len(shape) > 1 and shape[-1] == 1:
        chain.add(S.Squeeze, "squeeze", axis=-1)
        chain.rank -= 1


@from_layer("CategoryEncoding")
def category_encoding(layer, ctx):
    cfg = ctx.config
    if cfg.get("sparse"):
        raise ctx.refuse("sparse", "the spec has no sparse tensors")
    if ctx.call_kwargs.get("count_weights") is not None or len(ctx.inputs) > 1:
        raise ctx.refuse("count_weights", "weighted counts are not supported")
    chain = _Chain(ctx)
    dtype = layer.compute_dtype
    if cfg["output_mode"] == "int":
        return chain.add(E.Cast, "int", dtype=dtype)
    _one_hot_input(chain, ctx)
    chain.add(E.Cast, "as_int64", dtype="int64")
    hits = _hits(chain, "category", np.arange(cfg["num_tokens"], dtype=np.int64))
    return _encode(chain, ctx, hits, cfg["output_mode"], dtype)


def _hits(chain: _Chain, suffix: str, categories: np.ndarray, compare=E.Equal) -> str:
    """(N, ..., L, K) booleans: each value compared with each category."""
    row = chain.row(f"{suffix}_row", categories)
    chain.add(S.ExpandDims, f"{suffix}_values", axis=-1)
    return chain.add(compare, f"{suffix}_hits", row)


def _from_index(chain: _Chain, ctx, index: str, depth: int, mode: str, dtype: str) -> str:
    """An index output in ``mode``: as it is (int), or encoded over ``depth`` categories."""
    chain.ref = index
    if mode == "int":
        return index if dtype == "int64" else chain.add(E.Cast, "int", dtype=dtype)
    _one_hot_input(chain, ctx)
    hits = _hits(chain, "index", np.arange(depth, dtype=np.int64))
    return _encode(chain, ctx, hits, mode, dtype)


@from_layer("IntegerLookup")
def integer_lookup(layer, ctx):
    cfg = ctx.config
    for key, ok in (
        ("invert", not cfg.get("invert")),
        ("num_oov_indices", cfg.get("num_oov_indices") == 1),
        ("sparse", not cfg.get("sparse")),
        ("output_mode", cfg["output_mode"] in ("int", "one_hot", "multi_hot", "count")),
    ):
        if not ok:
            raise ctx.refuse(key, "only a dense lookup with one OOV index, not inverted")
    vocab = np.asarray(layer.get_vocabulary(), dtype=np.int64)
    oov = 0 if cfg.get("mask_token") is None else 1  # [mask token], OOV, the vocabulary
    chain = _Chain(ctx)
    chain.add(E.Cast, "as_int64", dtype="int64")
    hits = _hits(chain, "vocabulary", np.delete(vocab, oov))
    positions = chain.row("positions", np.delete(np.arange(len(vocab), dtype=np.int64), oov))
    chain.add(E.Where, "hit_index", positions, b_scalar=0)
    index = chain.add(R.Sum, "found", axis=-1)
    if oov:  # an unmatched value is 0 so far: the mask token's index, not the OOV's
        chain.ref = hits
        matched = chain.add(R.Any, "matched", axis=-1)
        chain.ref = matched
        index = chain.add(E.Where, "index", index, b_scalar=oov)
    mode = cfg["output_mode"]
    dtype = "int64" if mode == "int" else layer.compute_dtype
    return _from_index(chain, ctx, index, len(vocab), mode, dtype)


@from_layer("Discretization")
def discretization(layer, ctx):
    if ctx.config.get("sparse"):
        raise ctx.refuse("sparse", "the spec has no sparse tensors")
    bounds = np.asarray(layer.bin_boundaries, dtype=np.float32)
    chain = _Chain(ctx)
    chain.add(E.Cast, "as_float", dtype="float32")
    _hits(chain, "boundaries", bounds, compare=E.GreaterEqual)
    chain.add(E.Cast, "above", dtype="int64")
    index = chain.add(R.Sum, "bucket", axis=-1)  # numpy's digitize: how many boundaries <= x
    mode = ctx.config["output_mode"]
    return _from_index(chain, ctx, index, len(bounds) + 1, mode, layer.output_dtype)
