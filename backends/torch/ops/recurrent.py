import numpy as np

from nnspec.spec.errors import UnsupportedOpError
from nnspec.spec.ops.recurrent import LSTM

from ..registry import converter


@converter(LSTM)
def lstm(node: LSTM, ctx) -> str:
    if (node.activation, node.recurrent_activation) != ("tanh", "sigmoid"):
        raise UnsupportedOpError(
            "lstm with activations other than tanh/sigmoid is not supported by the PyTorch "
            "backend yet", node=node.name, op=node.op, attr="activation")
    units = node.units
    weights = {
        "weight_ih_l0": ctx.params["kernel"].T,  # gates i, f, c, o in both frameworks
        "weight_hh_l0": ctx.params["recurrent_kernel"].T,
    }
    if node.use_bias:  # Keras has one bias; PyTorch adds two
        weights["bias_ih_l0"] = ctx.params["bias"]
        weights["bias_hh_l0"] = np.zeros_like(ctx.params["bias"])
    layer = ctx.module("nn.LSTM", ctx.in_types[0].shape[-1], units, batch_first=True,
                       bias=node.use_bias, weights=weights)
    if node.use_bias:
        ctx.init(f"{layer}.bias_hh_l0.requires_grad_(False)  # Keras has one bias: this stays 0")
    x = f"{ctx.x}.flip(1)" if node.go_backwards else ctx.x
    state = ""
    if len(ctx.inputs) == 3:
        state = f", ({ctx.inputs[1]}.unsqueeze(0), {ctx.inputs[2]}.unsqueeze(0))"
    seq, h, c = ctx.temp("seq"), ctx.temp("h"), ctx.temp("c")
    ctx.stmt(f"{seq}, ({h}, {c}) = {layer}({x}{state})")
    out = seq if node.return_sequences else f"{h}[0]"
    return f"{out}, {h}[0], {c}[0]" if node.return_state else out
