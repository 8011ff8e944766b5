"""Activation names (spec/activations.py) as PyTorch functions.

Each name maps to a callable's source and the extra arguments after the tensor, so the same
table gives an expression (``F.leaky_relu(x, 0.2)``) and a callable (``torch.tanh``, or a
lambda where there are extra arguments). The activations PyTorch lacks are functions of
``runtime.py`` that the generated module then defines (``RUNTIME``).
"""

from __future__ import annotations

from nnspec.spec.activations import READS_CHANNEL_AXIS

ACTIVATIONS: dict[str, tuple[str, str]] = {
    "relu": ("F.relu", ""),
    "relu6": ("F.relu6", ""),
    "leaky_relu": ("F.leaky_relu", ", 0.2"),
    "elu": ("F.elu", ""),
    "selu": ("F.selu", ""),
    "gelu": ("F.gelu", ""),
    "gelu_approximate": ("F.gelu", ", approximate='tanh'"),
    "silu": ("F.silu", ""),
    "hard_silu": ("F.hardswish", ""),
    "mish": ("F.mish", ""),
    "sigmoid": ("torch.sigmoid", ""),
    "hard_sigmoid": ("F.hardsigmoid", ""),
    "hard_sigmoid_keras2": ("hard_sigmoid_keras2", ""),
    "tanh": ("torch.tanh", ""),
    "softplus": ("F.softplus", ""),
    "softsign": ("F.softsign", ""),
    "exponential": ("torch.exp", ""),
    "softmax": ("F.softmax", ", dim=-1"),
    "log_softmax": ("F.log_softmax", ", dim=-1"),
    "celu": ("F.celu", ""),
    "hard_tanh": ("F.hardtanh", ""),
    "log_sigmoid": ("F.logsigmoid", ""),
    "tanh_shrink": ("F.tanhshrink", ""),
    "soft_shrink": ("F.softshrink", ", 0.5"),
    "hard_shrink": ("F.hardshrink", ", 0.5"),
    "squareplus": ("squareplus", ""),
    "sparse_plus": ("sparse_plus", ""),
    "sparse_sigmoid": ("sparse_sigmoid", ""),
}

# Activations that are functions of runtime.py: those written without a module prefix.
RUNTIME = frozenset(name for name, (fn, _) in ACTIVATIONS.items() if "." not in fn)


# Those that may overwrite their input (``inplace=True``) with a backward reading their output.
INPLACE = frozenset(("relu", "relu6"))


def apply_activation(name: str, x: str, dim: int | None = None, inplace: bool = False) -> str:
    """``name`` applied to the expression ``x``; ``dim``: where softmax's axis is now;
    ``inplace``: ``x`` may be overwritten (used where the activation is in ``INPLACE``)."""
    if name == "linear":
        return x
    fn, extra = ACTIVATIONS[name]
    if name in READS_CHANNEL_AXIS and dim is not None:
        extra = f", dim={dim}"
    if inplace and name in INPLACE:
        extra += ", inplace=True"
    return f"{fn}({x}{extra})"


def activation_callable(name: str) -> str:
    """The activation as a callable: ``torch.tanh``, or a lambda with its extra arguments."""
    if name == "linear":
        return "lambda v: v"
    fn, extra = ACTIVATIONS[name]
    return fn if not extra else f"lambda v: {fn}(v{extra})"
