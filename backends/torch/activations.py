"""Activation names (spec/activations.py) as PyTorch expressions over ``{x}``.

Each template uses ``{x}`` once, so ``{x}`` may be any expression (a layer call). The two
activations PyTorch lacks call a small function that the generated module then defines
(``ACTIVATION_HELPERS``: activation name -> helper name in helpers.py).
"""

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
    "hard_sigmoid_keras2": "torch.clamp(0.2 * {x} + 0.5, 0.0, 1.0)",
    "tanh": "torch.tanh({x})",
    "softplus": "F.softplus({x})",
    "softsign": "F.softsign({x})",
    "exponential": "torch.exp({x})",
    "softmax": "F.softmax({x}, dim=-1)",
    "log_softmax": "F.log_softmax({x}, dim=-1)",
    "celu": "F.celu({x})",
    "hard_tanh": "F.hardtanh({x})",
    "log_sigmoid": "F.logsigmoid({x})",
    "tanh_shrink": "F.tanhshrink({x})",
    "soft_shrink": "F.softshrink({x}, 0.5)",
    "hard_shrink": "F.hardshrink({x}, 0.5)",
    "squareplus": "squareplus({x})",
    "sparse_plus": "sparse_plus({x})",
    "sparse_sigmoid": "torch.clamp(0.5 * ({x} + 1.0), 0.0, 1.0)",
}

ACTIVATION_HELPERS = {"squareplus": "squareplus", "sparse_plus": "sparse_plus"}


def apply_activation(name: str, x: str) -> str:
    return ACTIVATIONS[name].format(x=x)
