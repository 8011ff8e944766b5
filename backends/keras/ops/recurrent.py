"""lstm, gru, simple_rnn -> layers.LSTM / GRU / SimpleRNN, wrapped in layers.Bidirectional
for a bidirectional node; masks are passed explicitly (``mask=``)."""

from nnspec.spec.errors import UnsupportedOpError
from nnspec.spec.ops.recurrent import GRU, LSTM, SimpleRNN

from ...codegen_common import call, literal
from ...contexts import KerasContext
from ..activations import KERAS_NAMES
from ..registry import converter
from .masking import mask_expr

KERAS_LAYERS = {"lstm": "layers.LSTM", "gru": "layers.GRU", "simple_rnn": "layers.SimpleRNN"}
# Attributes passed to the Keras layer (when they differ from the default: same in both).
KEYS = (
    "activation",
    "recurrent_activation",
    "use_bias",
    "return_sequences",
    "return_state",
    "go_backwards",
    "dropout",
    "recurrent_dropout",
    "unit_forget_bias",
    "reset_after",
    "zero_output_for_mask",
)


def _layer_kwargs(node) -> dict:
    fields = type(node).model_fields
    kwargs = {}
    for key in KEYS:
        if key not in fields or getattr(node, key) == fields[key].default:
            continue
        if key == "zero_output_for_mask" and node.bidirectional:
            continue  # Bidirectional sets it from return_sequences
        kwargs[key] = getattr(node, key)
    for key in ("activation", "recurrent_activation"):
        if kwargs.get(key, "tanh") not in KERAS_NAMES:
            raise UnsupportedOpError(
                f"{key} {kwargs[key]!r} has no Keras name, so a Keras recurrent layer cannot "
                f"use it",
                node=node.name,
                op=node.op,
                attr=key,
            )
    return kwargs


@converter(LSTM, GRU, SimpleRNN)
def recurrent(node, ctx: KerasContext) -> str:
    kwargs = _layer_kwargs(node)
    weights = []
    for d in node.directions:
        p = f"{d}_" if d else ""
        weights += [ctx.params[p + "kernel"], ctx.params[p + "recurrent_kernel"]]
        if node.use_bias:
            weights.append(ctx.params[p + "bias"])
    cls = KERAS_LAYERS[node.op]
    if node.bidirectional:
        inner = call(cls, literal(node.units), **kwargs)
        merge = {} if node.merge_mode == "concat" else {"merge_mode": node.merge_mode}
        layer = ctx.layer("layers.Bidirectional", weights=weights, wraps=inner, **merge)
    else:
        layer = ctx.layer(cls, node.units, weights=weights, **kwargs)
    args = [ctx.x]
    rest = list(ctx.inputs[1:])
    if node.mask_value is not None:
        args.append("mask=" + mask_expr(rest[0], ctx.in_types[1], node.mask_value, ctx))
        rest = rest[1:]
    if rest:
        args.append(f"initial_state=[{', '.join(rest)}]")
    return f"{layer}({', '.join(args)})"
