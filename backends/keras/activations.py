"""Activation names (spec/activations.py) in Keras: a name Keras accepts, or an ops call."""

from nnspec.spec.activations import ACTIVATION_NAMES

from ..codegen_common import literal

# Activations Keras has no name for, as expressions over `{x}` (keras.ops work on symbolic
# tensors).
KERAS_EXPRESSIONS = {
    "gelu_approximate": "ops.gelu({x}, approximate=True)",
    "hard_sigmoid_keras2": "ops.clip(0.2 * {x} + 0.5, 0.0, 1.0)",
}


# Names Keras' `activation=` argument takes as they are: all the others.
KERAS_NAMES = frozenset(ACTIVATION_NAMES) - KERAS_EXPRESSIONS.keys()


def apply_activation(name: str, x: str, ctx, layer_name: str) -> str:
    """``x`` through the activation, as a layer or operation named ``layer_name``; keras.ops
    calls get their name through the generated file's ``named`` helper."""
    if name == "linear":
        return x
    if name in KERAS_EXPRESSIONS:
        return (
            f"{ctx.helper('named')}({KERAS_EXPRESSIONS[name].format(x=x)}, {literal(layer_name)})"
        )
    return f"layers.Activation({literal(name)}, name={literal(layer_name)})({x})"
