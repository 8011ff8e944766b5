"""conv_lstm1d/2d/3d -> an explicit time loop (the ``conv_lstm`` helper of runtime.py) over
two ``nn.Conv{n}d`` layers: the input convolution, run once on every step at once (time
folded into the batch), and the recurrent one, per step ('same', stride 1, no bias, as in
Keras). The frames are channels-first (N, T, C, ...), the layout a time-distributed
convolution before it writes, so a CNN -> ConvLSTM chain permutes once."""

from nnspec.spec.node import static_dim
from nnspec.spec.ops.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D

from ...codegen_common import squeeze
from ...contexts import TorchContext
from .._common import kernel_to_torch
from ..activations import RUNTIME, activation_callable
from ..describe import Module, Op
from ..layout import CF, CL, TF, Choice, convert, settle
from ..registry import converter
from .conv import conv_module, pad, same_pairs
from .masking import mask_expr


def frames(node, types, have) -> Choice:
    """The sequence as channels-first frames, a mask source channels-last, initial states
    channels-first; the output sequence as frames, unless the (channels-first) states come
    with it."""
    out = TF if node.return_sequences and not node.return_state else CF
    mask = (CL,) if node.mask_value is not None else ()
    return Choice((TF, *mask) + (CF,) * (len(types) - 1 - len(mask)), out)


def _function(ctx: TorchContext, name: str) -> str:
    if name in RUNTIME:
        ctx.helper(name)
    return activation_callable(name)


def _input_conv(node, ctx: TorchContext, steps: str, channels: int, op: Op) -> str:
    """The input convolution's module, declared in ``op``; its call on the folded ``steps``."""
    x_type = ctx.in_types[0]
    frame = x_type.with_shape((None, *x_type.shape[2:]))
    window = (node.kernel_size, node.strides, node.dilation_rate)
    padding: object = 0
    if node.padding == "same":
        pairs = same_pairs(frame, *window)
        assert pairs is not None  # the spatial sizes are static (the op's shape rule)
        if all(s == 1 for s in node.strides) and all(a == b for a, b in pairs):
            padding = tuple(a for a, _ in pairs)
        else:
            steps = pad(ctx, steps, pairs, window)
    weights = {"weight": kernel_to_torch(ctx.params["kernel"])}
    if node.use_bias:
        weights["bias"] = ctx.params["bias"]
    layer = ctx.attr("input_conv")
    cls = f"nn.Conv{node.rank}d"
    op.modules[layer] = conv_module(node, ctx, cls, channels, 4 * node.filters, padding, weights)
    return f"{layer}({steps})"


def _recurrent_conv(node, ctx: TorchContext, op: Op) -> str:
    """The recurrent convolution: Keras' 'same' (the odd extra cell after, as PyTorch's
    ``padding="same"`` puts it), stride 1, no dilation, no bias."""
    k = node.kernel_size
    pairs = [((d - 1) // 2, d - 1 - (d - 1) // 2) for d in k]
    symmetric = all(a == b for a, b in pairs)
    layer = ctx.attr("recurrent_conv")
    op.modules[layer] = Module(
        f"nn.Conv{node.rank}d",
        (node.filters, 4 * node.filters),
        dict(
            kernel_size=squeeze(k),
            **({"padding": squeeze(tuple(a for a, _ in pairs))} if symmetric else {}),
            bias=False,
        ),
        {"weight": kernel_to_torch(ctx.params["recurrent_kernel"])},
    )
    if symmetric:
        return layer
    # An even kernel: the explicit pad (PyTorch's padding="same" would copy and warn per step).
    return f"lambda h: {layer}({pad(ctx, 'h', pairs, (k, (1,) * len(k), (1,) * len(k)))})"


@converter(ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, layout=frames)
def conv_lstm(node, ctx: TorchContext) -> Op:
    op = Op("")
    channels = static_dim(ctx.in_types[0], -1, "input channels")
    x = ctx.x
    steps, proj = ctx.temp("steps"), ctx.temp("x_proj")
    conv = _input_conv(node, ctx, steps, channels, op)
    recurrent = _recurrent_conv(node, ctx, op)
    stmts = [
        f"{steps} = {x}.flatten(0, 1)  # (N, T, C, ...) -> (N*T, C, ...)",
        f"{proj} = {conv}.unflatten(0, {x}.shape[:2])  # every step's input convolution",
    ]
    args = [
        f"{proj}.flip(1)" if node.go_backwards else proj,
        recurrent,
        _function(ctx, node.activation),
        _function(ctx, node.recurrent_activation),
    ]
    states, mask = list(ctx.inputs[1:]), None
    if node.mask_value is not None:
        mask = ctx.temp("mask")
        stmts.append(f"{mask} = {mask_expr(states[0], ctx.in_types[1], node.mask_value)}")
        states = states[1:]
    if states:
        args.append(f"state=({states[0]}, {states[1]})")
    if mask is not None:
        args.append(f"mask={mask}.flip(1)" if node.go_backwards else f"mask={mask}")
    if not node.return_sequences:
        args.append("sequences=False")
    run = f"{ctx.helper('conv_lstm')}({', '.join(args)})"
    seq_layout = TF if node.return_sequences else CF
    if not node.return_state:
        op.statements = tuple(stmts)
        t = ctx.out_types[0]
        op.call = convert(f"{run}[0]", seq_layout, settle(ctx.out_layout, t), t.rank)
        return op
    out, h, c = ctx.temp("out"), ctx.temp("h"), ctx.temp("c")
    op.statements = (*stmts, f"{out}, ({h}, {c}) = {run}")
    made = [(out, seq_layout), (h, CF), (c, CF)]
    op.call = tuple(
        convert(expr, layout, settle(ctx.out_layout, t), t.rank)
        for (expr, layout), t in zip(made, ctx.out_types)
    )
    return op
