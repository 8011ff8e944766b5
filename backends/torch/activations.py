"""Activation names (spec/activations.py) as PyTorch expressions over ``{x}``."""

ACTIVATIONS = {
    "linear": "{x}",
    "relu": "F.relu({x})",
    "relu6": "F.relu6({x})",
    "leaky_relu": "F.leaky_relu({x}, 0.2)",
    "elu": "F.elu({x})",
    "selu": "F.selu({x})",
    "gelu": "F.gelu({x})",
    "gelu_approximate": "F.gelu({x}, approximate='tanh')",
    "silu": "F.silu({x})",
    "hard_silu": "F.hardswish({x})",
    "mish": "F.mish({x})",
    "sigmoid": "torch.sigmoid({x})",
    "hard_sigmoid": "F.hardsigmoid({x})",
    "tanh": "torch.tanh({x})",
    "softplus": "F.softplus({x})",
    "softsign": "F.softsign({x})",
    "exponential": "torch.exp({x})",
    "softmax": "F.softmax({x}, dim=-1)",
    "log_softmax": "F.log_softmax({x}, dim=-1)",
}


def apply_activation(name: str, x: str) -> str:
    return ACTIVATIONS[name].format(x=x)
