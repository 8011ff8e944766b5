from nnspec.spec.ops.recurrent import LSTM

from ..registry import converter


@converter(LSTM)
def lstm(node: LSTM, ctx) -> str:
    weights = [ctx.params["kernel"], ctx.params["recurrent_kernel"]]
    if node.use_bias:
        weights.append(ctx.params["bias"])
    layer = ctx.layer(
        "layers.LSTM",
        node.units,
        activation=node.activation,
        recurrent_activation=node.recurrent_activation,
        use_bias=node.use_bias,
        return_sequences=node.return_sequences,
        return_state=node.return_state,
        go_backwards=node.go_backwards,
        unit_forget_bias=node.unit_forget_bias,
        weights=weights,
    )
    if len(ctx.inputs) == 3:
        return f"{layer}({ctx.x}, initial_state=[{ctx.inputs[1]}, {ctx.inputs[2]}])"
    return f"{layer}({ctx.x})"
