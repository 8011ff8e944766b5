from nnspec.spec.ops.recurrent import LSTM

from .._common import activation_name
from ..registry import from_layer


@from_layer("LSTM")
def lstm(layer, ctx):
    cfg = ctx.config
    w = ctx.weights()
    params = {"kernel": w["kernel"], "recurrent_kernel": w["recurrent_kernel"]}
    if cfg["use_bias"]:
        params["bias"] = w["bias"]
    return ctx.node(
        LSTM,
        units=cfg["units"],
        activation=activation_name(cfg["activation"], ctx),
        recurrent_activation=activation_name(cfg["recurrent_activation"], ctx,
                                             "recurrent_activation"),
        use_bias=cfg["use_bias"],
        return_sequences=cfg["return_sequences"],
        return_state=cfg["return_state"],
        go_backwards=cfg["go_backwards"],
        unit_forget_bias=cfg["unit_forget_bias"],
        params=params,
    )
