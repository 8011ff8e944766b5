"""Activations: the named list, and the layers with parameters (relu, leaky_relu, prelu, elu,
softmax). Elementwise ops run in whatever layout their input has; softmax remaps its axis;
PReLU's alpha (shaped as the input without its batch axis) is channels-last."""

from nnspec.spec.ops.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax

from ...codegen_common import literal
from ...contexts import TorchContext
from ..describe import Op, Tensor
from ..layout import elementwise, follow
from ..registry import converter


@converter(Activation, layout=follow)
def activation(node: Activation, ctx: TorchContext) -> str:
    # linear: the input itself, no line
    return ctx.activation(ctx.x, node.activation, inplace=ctx.overwritable[0])


@converter(ReLU, layout=elementwise)
def relu(node: ReLU, ctx: TorchContext) -> str:
    """Keras' ReLU: ``x`` above ``threshold`` (else 0), capped at ``max_value``, minus
    ``negative_slope * relu(threshold - x)``, in the order Keras computes it."""
    x, cap, slope, threshold = ctx.x, node.max_value, node.negative_slope, node.threshold
    # a slope term reads x again after the relu: only a plain (capped) relu may overwrite it
    inplace = ", inplace=True" if ctx.overwritable[0] and not slope else ""
    if slope and not threshold and cap is None:
        return f"F.leaky_relu({x}, {literal(slope)})"
    if threshold:
        y = f"torch.where({x} > {literal(threshold)}, {x}, 0.0)"
    elif cap == 6.0:
        y, cap = f"F.relu6({x}{inplace})", None
    elif cap is not None:
        y, cap = f"{x}.clamp(0.0, {literal(cap)})", None
    else:
        y = f"F.relu({x}{inplace})"
    if cap is not None:
        y += f".clamp(max={literal(cap)})"
    if slope:
        below = f"{literal(threshold)} - {x}" if threshold else f"-{x}"
        y += f" - {literal(slope)} * F.relu({below})"
    return y


@converter(LeakyReLU, layout=elementwise)
def leaky_relu(node: LeakyReLU, ctx: TorchContext) -> str:
    return f"F.leaky_relu({ctx.x}, {literal(node.negative_slope)})"


@converter(PReLU)
def prelu(node: PReLU, ctx: TorchContext) -> Op:
    # nn.PReLU holds one slope per channel on axis 1 (channels first); the spec's alpha is
    # shaped as the input without its batch axis, so it broadcasts on the channels-last input.
    alpha = ctx.attr("alpha")
    call = f"F.relu({ctx.x}) - {alpha} * F.relu(-{ctx.x})"
    return Op(call, tensors={alpha: Tensor(ctx.params["alpha"])})


@converter(ELU, layout=elementwise)
def elu(node: ELU, ctx: TorchContext) -> str:
    if node.alpha == 1.0:
        return f"F.elu({ctx.x})"
    return f"F.elu({ctx.x}, {literal(node.alpha)})"


@converter(Softmax, layout=follow)
def softmax(node: Softmax, ctx: TorchContext) -> str:
    return f"F.softmax({ctx.x}, dim={literal(ctx.dim(node.axis))})"
