"""conv_lstm1d/2d/3d -> ``layers.ConvLSTM{n}D`` (initial states as ``initial_state=``, the
step mask as ``mask=``)."""

from nnspec.spec.errors import UnsupportedOpError
from nnspec.spec.ops.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D

from ...codegen_common import non_default, squeeze
from ...contexts import KerasContext
from ..activations import KERAS_NAMES
from ..registry import converter
from .masking import mask_expr

DEFAULTS = dict(
    strides=1,
    padding="valid",
    dilation_rate=1,
    activation="tanh",
    recurrent_activation="sigmoid",
    use_bias=True,
    unit_forget_bias=True,
    return_sequences=False,
    return_state=False,
    go_backwards=False,
    dropout=0.0,
    recurrent_dropout=0.0,
)


@converter(ConvLSTM1D, ConvLSTM2D, ConvLSTM3D)
def conv_lstm(node, ctx: KerasContext) -> str:
    for key in ("activation", "recurrent_activation"):
        if getattr(node, key) not in KERAS_NAMES:
            raise UnsupportedOpError(
                f"{key} {getattr(node, key)!r} has no Keras name, so a Keras ConvLSTM cannot "
                "use it",
                node=node.name,
                op=node.op,
                attr=key,
            )
    weights = [ctx.params["kernel"], ctx.params["recurrent_kernel"]]
    if node.use_bias:
        weights.append(ctx.params["bias"])
    layer = ctx.layer(
        f"layers.ConvLSTM{node.rank}D",
        node.filters,
        squeeze(node.kernel_size),
        weights=weights,
        **non_default(DEFAULTS, **{k: getattr(node, k) for k in DEFAULTS}),
    )
    args, states = [ctx.x], list(ctx.inputs[1:])
    if node.mask_value is not None:
        args.append("mask=" + mask_expr(states[0], ctx.in_types[1], node.mask_value, ctx))
        states = states[1:]
    if states:
        args.append(f"initial_state=[{', '.join(states)}]")
    return f"{layer}({', '.join(args)})"
