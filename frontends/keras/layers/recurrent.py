"""LSTM, GRU, SimpleRNN, RNN(cell) and Bidirectional -> lstm / gru / simple_rnn nodes."""

from __future__ import annotations

from nnspec.spec.node import Node
from nnspec.spec.ops.recurrent import GRU, LSTM, SimpleRNN

from ...contexts import KerasLayerContext
from .._common import activation_name, tensor_refs
from ..registry import from_layer
from .masking import mask_source

OPS: dict[str, type[Node]] = {"LSTM": LSTM, "GRU": GRU, "SimpleRNN": SimpleRNN}
CELLS: dict[str, type[Node]] = {"LSTMCell": LSTM, "GRUCell": GRU, "SimpleRNNCell": SimpleRNN}
# Config keys that differ between a Bidirectional's two layers without changing the model.
_DIRECTION_KEYS = ("name", "go_backwards", "zero_output_for_mask")


def _attrs(ctx: KerasLayerContext, cls, cfg: dict, cell_cfg: dict | None = None) -> dict:
    """Spec attributes from a recurrent layer's config (and its cell's, for RNN(cell))."""
    cell_cfg = cell_cfg or cfg
    if cfg.get("stateful"):
        raise ctx.refuse(
            "stateful",
            "a stateful layer carries its state from one batch "
            "to the next; the spec describes one call, from zero or given states",
            value=True,
        )
    attrs = dict(
        units=cell_cfg["units"],
        activation=activation_name(cell_cfg["activation"], ctx),
        use_bias=cell_cfg["use_bias"],
        return_sequences=cfg["return_sequences"],
        return_state=cfg["return_state"],
        go_backwards=cfg["go_backwards"],
        zero_output_for_mask=cfg.get("zero_output_for_mask", False),
        dropout=cell_cfg.get("dropout", 0.0),
        recurrent_dropout=cell_cfg.get("recurrent_dropout", 0.0),
    )
    if cls is not SimpleRNN:
        attrs["recurrent_activation"] = activation_name(
            cell_cfg["recurrent_activation"], ctx, "recurrent_activation"
        )
    if cls is LSTM:
        attrs["unit_forget_bias"] = cell_cfg["unit_forget_bias"]
    if cls is GRU:
        attrs["reset_after"] = cell_cfg["reset_after"]
    return attrs


def _weights(ctx: KerasLayerContext, layer, prefix: str = "") -> dict:
    w = ctx.weights(layer)
    keys = ["kernel", "recurrent_kernel"] + (["bias"] if "bias" in w else [])
    return {prefix + k: w[k] for k in keys}


def recurrent_inputs(ctx: KerasLayerContext) -> tuple[list[str], float | None]:
    """[sequence, mask source?, *initial states] references, and the mask value, from the
    arguments of a recurrent layer's call (LSTM, GRU, SimpleRNN, ConvLSTM)."""
    refs = tensor_refs(ctx)
    args, kwargs = list(ctx.call_args), ctx.call_kwargs
    x = args[0] if args else kwargs.get("sequences", kwargs.get("inputs"))
    states = kwargs.get("initial_state", args[1] if len(args) > 1 else None)
    mask = kwargs.get("mask", args[2] if len(args) > 2 else None)
    if isinstance(x, list | tuple):
        raise ctx.fail("nested sequence inputs are not supported")
    inputs = [refs[id(x)]]
    value = None
    if mask is not None:
        if isinstance(mask, list | tuple):  # Bidirectional may receive [mask]
            mask = mask[0]
        source, value = mask_source(ctx, mask, refs)
        inputs.append(source)
    if states is not None:
        states = states if isinstance(states, list | tuple) else [states]
        inputs += [refs[id(s)] for s in states]
    return inputs, value


def _convert(layer, ctx: KerasLayerContext, cls, cfg, cell_cfg=None):
    inputs, mask_value = recurrent_inputs(ctx)
    return ctx.node(
        cls,
        inputs=inputs,
        mask_value=mask_value,
        params=_weights(ctx, layer),
        **_attrs(ctx, cls, cfg, cell_cfg),
    )


@from_layer("LSTM", "GRU", "SimpleRNN")
def recurrent(layer, ctx: KerasLayerContext):
    return _convert(layer, ctx, OPS[type(layer).__name__], ctx.config)


@from_layer("RNN")
def rnn(layer, ctx: KerasLayerContext):
    """keras.layers.RNN around one LSTMCell / GRUCell / SimpleRNNCell: the same layer."""
    cell = layer.cell
    cls = CELLS.get(type(cell).__name__)
    if cls is None:
        raise ctx.refuse(
            "cell",
            "only a single LSTMCell, GRUCell or "
            "SimpleRNNCell is supported; stack cells as separate recurrent layers",
            value=type(cell).__name__,
        )
    return _convert(layer, ctx, cls, ctx.config, ctx.config_of(cell))


@from_layer("Bidirectional")
def bidirectional(layer, ctx: KerasLayerContext):
    fwd, bwd = layer.forward_layer, layer.backward_layer
    kind = type(fwd).__name__
    cls = OPS.get(kind)
    if cls is None:
        raise ctx.refuse("layer", "Bidirectional supports LSTM, GRU and SimpleRNN", value=kind)
    fcfg, bcfg = ctx.config_of(fwd), ctx.config_of(bwd)
    differ = sorted(
        k for k in set(fcfg) | set(bcfg) if k not in _DIRECTION_KEYS and fcfg.get(k) != bcfg.get(k)
    )
    if type(bwd) is not type(fwd) or differ:
        raise ctx.refuse(
            "backward_layer",
            "the backward layer must be the forward layer's mirror; these settings "
            f"differ: {', '.join(differ) or 'the layer class'}",
            value=type(bwd).__name__,
        )
    inputs, mask_value = recurrent_inputs(ctx)
    attrs = _attrs(ctx, cls, fcfg)
    attrs.update(
        bidirectional=True, merge_mode=ctx.config["merge_mode"], zero_output_for_mask=False
    )  # Keras sets it from return_sequences
    params = {**_weights(ctx, fwd, "forward_"), **_weights(ctx, bwd, "backward_")}
    return ctx.node(cls, inputs=inputs, mask_value=mask_value, params=params, **attrs)
