"""Keras ConvLSTM1D/2D/3D -> conv_lstm1d/2d/3d.

Every option is carried (padding, strides, dilation, activations, bias, unit_forget_bias,
dropout rates, return_sequences/return_state, go_backwards, initial states, a (N, T) step
mask) except ``stateful``, refused by name, and a Masking layer's per-cell mask (refused by
layers/masking.py). ``data_format="channels_first"`` frames
(N, T, C, *spatial) become the channels-last node between two ``permute`` nodes; with
``return_state`` that would need three permuted outputs of one layer, which a spec node
cannot give, so that one combination is refused.
"""

from __future__ import annotations

from nnspec.spec.ops.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from nnspec.spec.ops.permute import Permute

from ...contexts import KerasLayerContext
from .._common import activation_name
from ..registry import from_layer
from .recurrent import recurrent_inputs

_CLASSES = {"ConvLSTM1D": ConvLSTM1D, "ConvLSTM2D": ConvLSTM2D, "ConvLSTM3D": ConvLSTM3D}


def _channels_last(ctx: KerasLayerContext, inputs: list[str], rank: int, masked: int) -> list[str]:
    """channels_first sequence (N, T, C, *spatial) and states (N, C, *spatial) as permuted
    channels-last views; ``masked``: 1 when inputs[1] is a mask source (kept as it is)."""
    seq = ctx.node(
        Permute, suffix="channels_last", inputs=[inputs[0]], dims=[1, *range(3, rank + 3), 2]
    )
    states = [
        ctx.node(
            Permute, suffix=f"{s}_channels_last", inputs=[ref], dims=[*range(2, rank + 2), 1]
        ).id
        for s, ref in zip("hc", inputs[-2:] if len(inputs) - masked > 1 else [])
    ]
    return [seq.id, *inputs[1 : 1 + masked], *states]


@from_layer(*_CLASSES)
def conv_lstm(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    cls = _CLASSES[type(layer).__name__]
    if cfg.get("stateful"):
        raise ctx.refuse(
            "stateful",
            "a stateful layer carries its state from one batch "
            "to the next; the spec describes one call, from zero or given states",
            value=True,
        )
    # a (N, T) step mask is carried; a Masking layer's (N, T, *spatial) one, per cell, is
    # refused by the mask check of layers/masking.py before this converter runs
    inputs, mask_value = recurrent_inputs(ctx)
    first = cfg.get("data_format") == "channels_first"
    if first and cfg["return_state"]:
        raise ctx.refuse(
            "data_format",
            "with return_state=True: the three outputs would each need a permute back to "
            "channels-first; rebuild the layer with data_format='channels_last' (the weights "
            "stay the same)",
        )
    if first:
        inputs = _channels_last(ctx, inputs, cls.rank, int(mask_value is not None))
    node = ctx.node(
        cls,
        inputs=inputs,
        mask_value=mask_value,
        filters=cfg["filters"],
        kernel_size=tuple(cfg["kernel_size"]),
        strides=tuple(cfg["strides"]),
        padding=cfg["padding"],
        dilation_rate=tuple(cfg["dilation_rate"]),
        activation=activation_name(cfg["activation"], ctx),
        recurrent_activation=activation_name(
            cfg["recurrent_activation"], ctx, "recurrent_activation"
        ),
        use_bias=cfg["use_bias"],
        unit_forget_bias=cfg["unit_forget_bias"],
        return_sequences=cfg["return_sequences"],
        return_state=cfg["return_state"],
        go_backwards=cfg["go_backwards"],
        dropout=cfg.get("dropout", 0.0),
        recurrent_dropout=cfg.get("recurrent_dropout", 0.0),
        params=ctx.weights(),
    )
    if not first:
        return node
    r = cls.rank + (3 if cfg["return_sequences"] else 2)  # the output's rank
    lead = [1] if cfg["return_sequences"] else []  # time stays at axis 1
    dims = [*lead, r - 1, *range(len(lead) + 1, r - 1)]
    return ctx.node(Permute, suffix="channels_first", inputs=[node.id], dims=dims)
