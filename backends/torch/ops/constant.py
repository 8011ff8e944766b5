"""constant (a parameter or buffer of the module) and the *_like creations."""

from __future__ import annotations

from nnspec.spec.ops import constant as K

from ...codegen_common import literal
from ._canonical import Canonical, canonical
from .elementwise import torch_dtype


@canonical(K.Constant)
def constant(node: K.Constant, c: Canonical) -> str:
    return c.weight("value")


def _dtype(node) -> str:
    return f", dtype={torch_dtype(node.dtype)}" if node.dtype is not None else ""


@canonical(K.ZerosLike, K.OnesLike)
def like(node, c: Canonical) -> str:
    return f"torch.{node.op}({c.x}{_dtype(node)})"


@canonical(K.FullLike)
def full_like(node: K.FullLike, c: Canonical) -> str:
    return f"torch.full_like({c.x}, {literal(node.value)}{_dtype(node)})"
