"""Activations as Keras layers: Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from nnspec.spec.ops.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax

from ...codegen_common import non_default
from ...contexts import KerasContext
from ..activations import KERAS_EXPRESSIONS
from ..registry import converter


@converter(Activation)
def activation(node: Activation, ctx: KerasContext) -> str:
    if node.activation in KERAS_EXPRESSIONS:  # no Keras name for it (gelu_approximate)
        return ctx.activation(ctx.x, node.activation, suffix="")
    return f"{ctx.layer('layers.Activation', node.activation)}({ctx.x})"


@converter(ReLU)
def relu(node: ReLU, ctx: KerasContext) -> str:
    kwargs = non_default(
        dict(max_value=None, negative_slope=0.0, threshold=0.0),
        max_value=node.max_value,
        negative_slope=node.negative_slope,
        threshold=node.threshold,
    )
    return f"{ctx.layer('layers.ReLU', **kwargs)}({ctx.x})"


@converter(LeakyReLU)
def leaky_relu(node: LeakyReLU, ctx: KerasContext) -> str:
    kwargs = non_default(dict(negative_slope=0.3), negative_slope=node.negative_slope)
    return f"{ctx.layer('layers.LeakyReLU', **kwargs)}({ctx.x})"


@converter(PReLU)
def prelu(node: PReLU, ctx: KerasContext) -> str:
    kwargs = non_default(
        dict(shared_axes=None, alpha_initializer="zeros"),
        shared_axes=node.shared_axes,
        alpha_initializer=node.alpha_initializer,
    )
    layer = ctx.layer("layers.PReLU", weights=[ctx.params["alpha"]], **kwargs)
    return f"{layer}({ctx.x})"


@converter(ELU)
def elu(node: ELU, ctx: KerasContext) -> str:
    kwargs = non_default(dict(alpha=1.0), alpha=node.alpha)
    return f"{ctx.layer('layers.ELU', **kwargs)}({ctx.x})"


@converter(Softmax)
def softmax(node: Softmax, ctx: KerasContext) -> str:
    kwargs = non_default(dict(axis=-1), axis=node.axis)
    return f"{ctx.layer('layers.Softmax', **kwargs)}({ctx.x})"
