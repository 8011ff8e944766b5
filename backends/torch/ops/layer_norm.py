"""Layer normalisation: nn.LayerNorm over the trailing axes; other axes are moved there."""

from nnspec.spec.node import normalize_axes
from nnspec.spec.ops.layer_norm import LayerNorm

from ...codegen_common import literal
from ...contexts import TorchContext
from ..describe import Module, Op, Tensor
from ..registry import converter


def move_to_end(x: str, axes: tuple[int, ...], rank: int) -> tuple[str, str]:
    """``x`` with ``axes`` (sorted) moved to the end in their order, and a format string that
    moves a ``{y}`` back. No move when they are the trailing axes already."""
    k = len(axes)
    if axes == tuple(range(rank - k, rank)):
        return x, "{y}"
    # Non-negative dims: the TorchScript ONNX exporter writes negative ones as they are.
    src, dst = (axes[0], rank - 1) if k == 1 else (axes, tuple(range(rank - k, rank)))
    return (
        f"{x}.movedim({literal(src)}, {literal(dst)})",
        f"{{y}}.movedim({literal(dst)}, {literal(src)})",
    )


@converter(LayerNorm)
def layer_norm(node: LayerNorm, ctx: TorchContext) -> Op:
    rank = ctx.in_types[0].rank
    axes = normalize_axes(node.axis, rank)
    dims = tuple(ctx.in_types[0].shape[a] for a in axes)  # the canonical weight layout
    shape = dims[0] if len(dims) == 1 else dims
    x, back = move_to_end(ctx.x, axes, rank)
    eps = float(node.epsilon)
    if node.scale or not node.center:
        weights = {"weight": ctx.params["gamma"]} if node.scale else {}
        kwargs = {"eps": eps} if eps != 1e-5 else {}
        if not node.scale:
            kwargs["elementwise_affine"] = False
        elif node.center:
            weights["bias"] = ctx.params["beta"]
        else:
            kwargs["bias"] = False
        layer = ctx.attr()
        module = Module("nn.LayerNorm", (shape,), kwargs, weights)
        return Op(back.format(y=f"{layer}({x})"), modules={layer: module})
    # beta without gamma: nn.LayerNorm cannot hold a bias alone.
    beta = ctx.attr("beta")
    y = f"F.layer_norm({x}, {literal(dims)}, None, {beta}, eps={literal(eps)})"
    return Op(back.format(y=y), tensors={beta: Tensor(ctx.params["beta"])})
