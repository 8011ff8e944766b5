"""Reductions as torch expressions; axes are the spec's, which are torch's dims here."""

from __future__ import annotations

from nnspec.spec.ops import reduce as R
from nnspec.spec.ops._tensor import sample_axes, sample_axis

from ...codegen_common import literal
from ._canonical import Canonical, canonical

_FN = {
    "sum": "torch.sum",
    "mean": "torch.mean",
    "max": "torch.amax",
    "min": "torch.amin",
    "logsumexp": "torch.logsumexp",
    "any": "torch.any",
    "all": "torch.all",
}


def dims(node, c: Canonical) -> tuple[int, ...] | int:
    axes = sample_axes(node.axis, c.rank)
    return axes[0] if len(axes) == 1 else axes


def _keep(node) -> str:
    return ", keepdim=True" if node.keepdims else ""


@canonical(R.Sum, R.Mean, R.Max, R.Min, R.Logsumexp, R.Any, R.All)
def reduce(node, c: Canonical) -> str:
    return f"{_FN[node.op]}({c.x}, dim={literal(dims(node, c))}{_keep(node)})"


@canonical(R.Prod)
def prod(node: R.Prod, c: Canonical) -> str:
    y = c.x  # torch.prod takes one dim: reduce the last first so the others keep their place
    for a in sorted(sample_axes(node.axis, c.rank), reverse=True):
        y = f"torch.prod({y}, dim={a}{_keep(node)})"
    return y


@canonical(R.Var, R.Std)
def var(node: R.Var, c: Canonical) -> str:
    fn = "torch.var" if node.op == "var" else "torch.std"
    return f"{fn}({c.x}, dim={literal(dims(node, c))}, correction={node.correction}{_keep(node)})"


@canonical(R.Norm)
def norm(node: R.Norm, c: Canonical) -> str:
    ord_ = 'float("inf")' if node.ord == "inf" else literal(node.ord)
    return f"torch.linalg.vector_norm({c.x}, ord={ord_}, dim={literal(dims(node, c))}{_keep(node)})"


@canonical(R.Argmax, R.Argmin)
def arg(node, c: Canonical) -> str:
    return f"torch.{node.op}({c.x}, dim={sample_axis(node.axis, c.rank)}{_keep(node)})"


@canonical(R.Cumsum, R.Cumprod)
def cumsum(node: R.Cumsum, c: Canonical) -> str:
    return f"torch.{node.op}({c.x}, dim={sample_axis(node.axis, c.rank)})"


@canonical(R.Sort)
def sort(node: R.Sort, c: Canonical) -> str:
    a = sample_axis(node.axis, c.rank)
    down = ", descending=True" if node.descending else ""
    return f"tuple(torch.sort({c.x}, dim={a}{down}, stable=True))"


@canonical(R.TopK)
def top_k(node: R.TopK, c: Canonical) -> str:
    # a stable sort, then the first k: of equal elements the earlier one first, as Keras does
    a = sample_axis(node.axis, c.rank)
    down = ", descending=True" if node.largest else ""
    return (
        f"tuple(t.narrow({a}, 0, {node.k}) for t in torch.sort({c.x}, dim={a}{down}, stable=True))"
    )
