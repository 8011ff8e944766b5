"""constant (a weight of a small layer defined in the generated file) and *_like."""

from __future__ import annotations

from typing import Any

from nnspec.spec.ops import constant as K

from ...codegen_common import literal
from ...contexts import KerasContext
from ..registry import converter


@converter(K.Constant)
def constant(node: K.Constant, ctx: KerasContext) -> str:
    cls = ctx.helper("Constant")
    kwargs: dict[str, Any] = {} if node.dtype == "float32" else {"value_dtype": node.dtype}
    if not node.trainable:
        kwargs["trainable"] = False
    layer = ctx.layer(cls, tuple(node.shape), weights=[ctx.params["value"]], **kwargs)
    return f"{layer}({ctx.reference})"


def _dtype(node) -> str:
    return f", dtype={literal(node.dtype)}" if node.dtype is not None else ""


@converter(K.ZerosLike, K.OnesLike)
def like(node, ctx: KerasContext) -> str:
    return f"ops.{node.op}({ctx.x}{_dtype(node)})"


@converter(K.FullLike)
def full_like(node: K.FullLike, ctx: KerasContext) -> str:
    return f"ops.full_like({ctx.x}, {literal(node.value)}{_dtype(node)})"
