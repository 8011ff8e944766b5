"""Activation modules and functions -> activation, relu, leaky_relu, prelu, elu, softmax.

Layout never matters for elementwise activations: the result keeps its input's layout.
"""

from __future__ import annotations

from nnspec.spec.ops.activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax

from ...contexts import TorchNodeContext
from ..registry import from_function, from_module
from ..values import Tensor, flat_order, move_to_end
from ._common import array

# Activations without parameters: PyTorch module / function name -> spec activation name.
_NAMED_MODULES = {
    "ReLU": "relu",
    "ReLU6": "relu6",
    "SELU": "selu",
    "SiLU": "silu",
    "Mish": "mish",
    "Hardswish": "hard_silu",
    "Hardsigmoid": "hard_sigmoid",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Softsign": "softsign",
}
_NAMED_FUNCTIONS = {
    "relu": "relu",
    "relu6": "relu6",
    "selu": "selu",
    "silu": "silu",
    "mish": "mish",
    "hardswish": "hard_silu",
    "hardsigmoid": "hard_sigmoid",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softsign": "softsign",
    "exp": "exponential",
}
NONNEG = {"relu", "relu6", "sigmoid", "hard_sigmoid", "softmax", "softplus", "exponential"}


def named(ctx: TorchNodeContext, name: str, x=None):
    """An ``activation`` node; the output keeps the input's layout."""
    x = x if x is not None else ctx.input()
    out = ctx.emit(Activation, [x.ref], activation=name)
    return ctx.result(out, x.perm, flat=x.flat, nonneg=name in NONNEG)


@from_module(*_NAMED_MODULES)
def activation(m, ctx: TorchNodeContext):
    return named(ctx, _NAMED_MODULES[type(m).__name__])


@from_function(*_NAMED_FUNCTIONS)
def activation_function(ctx: TorchNodeContext):
    return named(ctx, _NAMED_FUNCTIONS[ctx.op])


def _gelu(ctx: TorchNodeContext, approximate: str):
    if approximate not in ("none", "tanh"):
        raise ctx.refuse(f"approximate={approximate!r} is not supported")
    return named(ctx, "gelu" if approximate == "none" else "gelu_approximate")


@from_module("GELU")
def gelu(m, ctx: TorchNodeContext):
    return _gelu(ctx, m.approximate)


@from_function("gelu")
def gelu_function(ctx: TorchNodeContext):
    return _gelu(ctx, ctx.arg(1, "approximate", "none"))


def _leaky_relu(ctx: TorchNodeContext, slope: float):
    x = ctx.input()
    if slope < 0:
        raise ctx.refuse(f"negative_slope={slope} is negative (the spec's slope is >= 0)")
    out = ctx.emit(LeakyReLU, [x.ref], negative_slope=float(slope))
    return ctx.result(out, x.perm, flat=x.flat)


@from_module("LeakyReLU")
def leaky_relu(m, ctx: TorchNodeContext):
    return _leaky_relu(ctx, m.negative_slope)


@from_function("leaky_relu")
def leaky_relu_function(ctx: TorchNodeContext):
    return _leaky_relu(ctx, ctx.arg(1, "negative_slope", 0.01))


def _elu(ctx: TorchNodeContext, alpha: float):
    x = ctx.input()
    out = ctx.emit(ELU, [x.ref], alpha=float(alpha))
    return ctx.result(out, x.perm, flat=x.flat)


@from_module("ELU")
def elu(m, ctx: TorchNodeContext):
    return _elu(ctx, m.alpha)


@from_module("CELU")
def celu(m, ctx: TorchNodeContext):
    if m.alpha != 1.0:
        raise ctx.refuse(f"alpha={m.alpha} is not supported (CELU equals ELU only for alpha 1)")
    return _elu(ctx, 1.0)


@from_function("elu")
def elu_function(ctx: TorchNodeContext):
    return _elu(ctx, ctx.arg(1, "alpha", 1.0))


@from_module("PReLU")
def prelu(m, ctx: TorchNodeContext):
    x = ctx.input()
    w = array(m.weight)
    if x.rank < 2:
        raise ctx.refuse(f"input of shape {x.shape} has no batch axis")
    if w.size == 1:
        shared = list(range(1, x.rank))
        alpha = w.reshape((1,) * (x.rank - 1))
    else:
        if x.shape[1] != w.size:
            raise ctx.refuse(f"{w.size} slopes for {x.shape[1]} channels")
        axis = x.spec_axis(1)
        shared = [a for a in range(1, x.rank) if a != axis]
        shape = [1] * (x.rank - 1)
        shape[axis - 1] = w.size
        alpha = (w[flat_order(x.flat)] if x.flat is not None else w).reshape(shape)
    out = ctx.emit(PReLU, [x.ref], shared_axes=shared or None, params={"alpha": alpha})
    return ctx.result(out, x.perm, flat=x.flat)


def _softmax(ctx: TorchNodeContext, dim, log: bool):
    x = ctx.arg(0, "input")
    if dim is None:
        raise ctx.refuse(
            "dim=None (PyTorch's implicit, deprecated choice of axis) is not supported",
            hint="pass dim explicitly",
        )
    if isinstance(x, Tensor) and x.merged is not None:
        return _softmax_merged(ctx, x, dim, log)
    x = ctx.tensor(x)
    d = x.dim(dim)
    if log:
        perm = x.perm if x.perm[-1] == d else move_to_end(x.perm, d)
        ref = x.ref if x.flat is not None else ctx.as_perm(x, perm)
        out = ctx.emit(Activation, [ref], activation="log_softmax")
        return ctx.result(out, perm, flat=x.flat)
    axis = x.spec_axis(d)
    out = ctx.emit(Softmax, [x.ref], axis=-1 if axis == x.rank - 1 else axis)
    return ctx.result(out, x.perm, flat=x.flat, nonneg=True)


def _softmax_merged(ctx, x: Tensor, dim, log: bool) -> Tensor:
    """Over the last dim of ``decoded.view(-1, V)``: the un-merged tensor's last axis."""
    shape, perm = x.merged
    if x.dim(dim) != x.rank - 1 or perm[-1] != len(shape) - 1:
        raise ctx.refuse(
            f"softmax over dim {dim} of a view {x.shape} that merges the batch with other "
            "dims; only the last dim is supported"
        )
    if log:
        out = ctx.emit(Activation, [x.ref], activation="log_softmax")
    else:
        out = ctx.emit(Softmax, [x.ref], axis=-1)
    t = Tensor(out, x.shape, x.dtype, x.perm, not log, merged=x.merged)
    ctx.expect(Tensor(out, shape, x.dtype, perm))
    return t


@from_module("Softmax")
def softmax(m, ctx: TorchNodeContext):
    return _softmax(ctx, m.dim, log=False)


@from_module("LogSoftmax")
def log_softmax(m, ctx: TorchNodeContext):
    return _softmax(ctx, m.dim, log=True)


@from_function("softmax")
def softmax_function(ctx: TorchNodeContext):
    return _softmax(ctx, ctx.arg(1, "dim", None), log=False)


@from_function("log_softmax")
def log_softmax_function(ctx: TorchNodeContext):
    return _softmax(ctx, ctx.arg(1, "dim", None), log=True)


def _softplus(ctx: TorchNodeContext, beta, threshold):
    if beta != 1:
        from .tensor_ops import softplus

        return softplus(ctx, ctx.input(), beta, threshold)
    return named(ctx, "softplus")


@from_module("Softplus")
def softplus(m, ctx: TorchNodeContext):
    return _softplus(ctx, m.beta, m.threshold)


@from_function("softplus")
def softplus_function(ctx: TorchNodeContext):
    return _softplus(ctx, ctx.arg(1, "beta", 1.0), ctx.arg(2, "threshold", 20.0))


def _clip(ctx: TorchNodeContext, low, high):
    """clamp/hardtanh with a lower bound of 0: relu, relu6 or relu with a maximum."""
    x = ctx.input()
    if low is None or not isinstance(low, (int, float)) or float(low) != 0.0:
        from .tensor_ops import clip

        return clip(ctx, x, low, high)
    if high is None:
        return named(ctx, "relu", x)
    if not isinstance(high, (int, float)):
        raise ctx.refuse(f"the upper bound {high!r} is not a number")
    if float(high) == 6.0:
        return named(ctx, "relu6", x)
    out = ctx.emit(ReLU, [x.ref], max_value=float(high))
    return ctx.result(out, x.perm, flat=x.flat, nonneg=True)


@from_module("Hardtanh")
def hardtanh(m, ctx: TorchNodeContext):
    return _clip(ctx, m.min_val, m.max_val)


@from_function("hardtanh")
def hardtanh_function(ctx: TorchNodeContext):
    return _clip(ctx, ctx.arg(1, "min_val", -1.0), ctx.arg(2, "max_val", 1.0))


@from_function("clamp", "clip")
def clamp(ctx: TorchNodeContext):
    return _clip(ctx, ctx.arg(1, "min", None), ctx.arg(2, "max", None))


@from_function("clamp_min")
def clamp_min(ctx: TorchNodeContext):
    return _clip(ctx, ctx.arg(1, "min"), None)
