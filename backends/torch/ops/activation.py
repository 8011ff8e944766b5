"""Activations: the named list, and the layers with parameters (relu, leaky_relu, prelu, elu,
softmax). All elementwise, so the channels-last layout needs no change."""

from nnspec.spec.ops.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax

from ..codegen import literal
from ..registry import converter


@converter(Activation)
def activation(node: Activation, ctx) -> str:
    return ctx.activation(ctx.x, node.activation)  # linear: the input itself, no line


@converter(ReLU)
def relu(node: ReLU, ctx) -> str:
    """Keras' ReLU: ``x`` above ``threshold`` (else 0), capped at ``max_value``, minus
    ``negative_slope * relu(threshold - x)``, in the order Keras computes it."""
    x, cap, slope, threshold = ctx.x, node.max_value, node.negative_slope, node.threshold
    if slope and not threshold and cap is None:
        return f"F.leaky_relu({x}, {literal(slope)})"
    if threshold:
        y = f"F.threshold({x}, {literal(threshold)}, 0.0)"
    elif cap == 6.0:
        y, cap = f"F.relu6({x})", None
    elif cap is not None:
        y, cap = f"{x}.clamp(0.0, {literal(cap)})", None
    else:
        y = f"F.relu({x})"
    if cap is not None:
        y += f".clamp(max={literal(cap)})"
    if slope:
        below = f"{literal(threshold)} - {x}" if threshold else f"-{x}"
        y += f" - {literal(slope)} * F.relu({below})"
    return y


@converter(LeakyReLU)
def leaky_relu(node: LeakyReLU, ctx) -> str:
    return f"F.leaky_relu({ctx.x}, {literal(node.negative_slope)})"


@converter(PReLU)
def prelu(node: PReLU, ctx) -> str:
    # nn.PReLU holds one slope per channel on axis 1 (channels first); the spec's alpha is
    # shaped as the input without its batch axis, so it broadcasts as it is.
    alpha = ctx.tensor("alpha", ctx.params["alpha"])
    return f"F.relu({ctx.x}) - {alpha} * F.relu(-{ctx.x})"


@converter(ELU)
def elu(node: ELU, ctx) -> str:
    if node.alpha == 1.0:
        return f"F.elu({ctx.x})"
    return f"F.elu({ctx.x}, {literal(node.alpha)})"


@converter(Softmax)
def softmax(node: Softmax, ctx) -> str:
    return f"F.softmax({ctx.x}, dim={literal(node.axis)})"
