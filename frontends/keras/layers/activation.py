"""Keras activation layers -> activation, relu, leaky_relu, prelu, elu, softmax nodes."""

from nnspec.spec.ops.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax

from ...contexts import KerasLayerContext
from .._common import activation_name
from ..registry import from_layer
from .masked import keras_made_mask, masked_softmax


@from_layer("Activation")
def activation(layer, ctx: KerasLayerContext):
    return ctx.node(Activation, activation=activation_name(ctx.config["activation"], ctx))


@from_layer("ops.Gelu")
def gelu(op, ctx: KerasLayerContext):
    """``keras.ops.gelu(x, approximate=...)`` in a functional graph (the Keras backend writes
    the tanh form this way: no layer computes it)."""
    name = "gelu_approximate" if op.approximate else "gelu"
    return ctx.node(Activation, activation=name)


@from_layer("ReLU")
def relu(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    cap = cfg.get("max_value")
    return ctx.node(
        ReLU,
        max_value=None if cap is None else float(cap),
        negative_slope=float(cfg.get("negative_slope", 0.0)),
        threshold=float(cfg.get("threshold", 0.0)),
    )


@from_layer("LeakyReLU")
def leaky_relu(layer, ctx: KerasLayerContext):
    return ctx.node(LeakyReLU, negative_slope=float(ctx.config["negative_slope"]))


@from_layer("PReLU")
def prelu(layer, ctx: KerasLayerContext):
    shared = ctx.config.get("shared_axes")  # Keras keeps a list, even for one axis
    if shared is not None:
        shared = int(shared[0]) if len(shared) == 1 else [int(a) for a in shared]
    return ctx.node(PReLU, shared_axes=shared, params={"alpha": ctx.weights()["alpha"]})


@from_layer("ELU")
def elu(layer, ctx: KerasLayerContext):
    # ELU has no get_config of its own: Keras' automatic config records the __init__ args.
    return ctx.node(ELU, alpha=float(ctx.config.get("alpha", layer.alpha)))


@from_layer("Softmax")
def softmax(layer, ctx: KerasLayerContext):
    axis = ctx.config.get("axis", -1)
    if isinstance(axis, list | tuple):
        if len(axis) != 1:
            raise ctx.refuse("axis", "a softmax over several axes at once")
        axis = axis[0]
    mask = ctx.call_kwargs.get("mask")
    if mask is not None and keras_made_mask(mask):  # Embedding(mask_zero) or Masking
        return masked_softmax(ctx, int(axis))
    if len(ctx.inputs) > 1:  # softmax(x, mask=...): attention code inside a traced layer
        from .traced_ops import explicit_masked_softmax

        return explicit_masked_softmax(ctx, int(axis))
    return ctx.node(Softmax, axis=int(axis))
