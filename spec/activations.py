"""The closed list of activation names a spec may use (fused into dense/conv, or standalone).

Names follow Keras, with the parameters of Keras' activation functions (``leaky_relu``
0.2, ``celu`` alpha 1, ``soft_shrink`` and ``hard_shrink`` threshold 0.5, ``squareplus``
b 4). ``gelu`` is the exact (erf) form, ``gelu_approximate`` the tanh form; ``swish`` and
``hard_swish`` are accepted as aliases and stored as ``silu`` / ``hard_silu``.
``hard_sigmoid`` is Keras 3's ``relu6(x + 3) / 6``; ``hard_sigmoid_keras2`` is the
``0.2·x + 0.5`` that Keras 2 and tf.keras 2.x files mean by ``hard_sigmoid``. Keras'
``glu``, ``sparsemax`` and ``threshold`` are not in the list (``glu`` halves the last axis,
``threshold`` has no defaults).

This is the one list of activations: each backend maps every name here (a test checks it),
and a frontend maps framework functions to these names.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BeforeValidator

# The Literal is written out so a type checker reads it; the tuple is derived from it.
ActivationName = Literal[
    "linear",
    "relu",
    "relu6",
    "leaky_relu",  # negative slope 0.2, as keras.activations.leaky_relu
    "elu",
    "selu",
    "gelu",
    "gelu_approximate",
    "silu",
    "hard_silu",
    "mish",
    "sigmoid",
    "hard_sigmoid",
    "hard_sigmoid_keras2",  # clip(0.2·x + 0.5, 0, 1): Keras 2 / tf.keras 2.x files' hard_sigmoid
    "tanh",
    "softplus",
    "softsign",
    "exponential",
    "softmax",
    "log_softmax",
    "celu",  # alpha 1
    "hard_tanh",
    "log_sigmoid",
    "tanh_shrink",
    "soft_shrink",  # threshold 0.5
    "hard_shrink",  # threshold 0.5
    "squareplus",  # b 4
    "sparse_plus",
    "sparse_sigmoid",
]
ACTIVATION_NAMES: tuple[str, ...] = get_args(ActivationName)

ALIASES = {"swish": "silu", "hard_swish": "hard_silu", None: "linear"}

# Activations that read the channel (last) axis rather than each element alone: a backend
# running the tensor channels-first applies them over its channel dim.
READS_CHANNEL_AXIS = frozenset({"softmax", "log_softmax"})

Activation = Annotated[
    ActivationName,
    BeforeValidator(lambda v: ALIASES.get(v, v) if v is None or isinstance(v, str) else v),
]
