"""matmul, einsum and scaled dot-product attention as torch expressions."""

from __future__ import annotations

from nnspec.spec.ops import linalg as L

from ...codegen_common import literal
from ._canonical import Canonical, canonical


@canonical(L.Matmul)
def matmul(node, c: Canonical) -> str:
    return f"torch.matmul({c.inputs[0]}, {c.inputs[1]})"


@canonical(L.Einsum)
def einsum(node: L.Einsum, c: Canonical) -> str:
    return f"torch.einsum({literal(node.equation)}, {', '.join(c.inputs)})"


@canonical(L.ScaledDotProductAttention)
def sdpa(node: L.ScaledDotProductAttention, c: Canonical) -> str:
    args = list(c.inputs[:3])
    if len(c.inputs) == 4:
        args.append(f"attn_mask={c.inputs[3]}")
    if node.causal:
        args.append("is_causal=True")
    if node.scale is not None:
        args.append(f"scale={literal(node.scale)}")
    return f"F.scaled_dot_product_attention({', '.join(args)})"
