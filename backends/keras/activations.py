"""Activation names (spec/activations.py) in Keras: a name Keras accepts, or an ops call."""

from ..codegen_common import literal

# Names Keras' `activation=` argument takes as they are.
KERAS_NAMES = {
    "linear",
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "hard_silu",
    "mish",
    "sigmoid",
    "hard_sigmoid",
    "tanh",
    "softplus",
    "softsign",
    "exponential",
    "softmax",
    "log_softmax",
    "celu",
    "hard_tanh",
    "log_sigmoid",
    "tanh_shrink",
    "soft_shrink",
    "hard_shrink",
    "squareplus",
    "sparse_plus",
    "sparse_sigmoid",
}

# The rest, as expressions over `{x}` (keras.ops work on symbolic tensors).
KERAS_EXPRESSIONS = {
    "gelu_approximate": "ops.gelu({x}, approximate=True)",
    "hard_sigmoid_keras2": "ops.clip(0.2 * {x} + 0.5, 0.0, 1.0)",
}


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
