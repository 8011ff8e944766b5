"""lstm, gru, simple_rnn -> nn.LSTM / nn.GRU / nn.RNN (batch_first, bidirectional), or an
explicit time loop where no PyTorch layer computes what Keras does (other activations, GRU
with reset_after=False). Masked steps: the same layer through ``masked_rnn`` (packed sequences
for right padding, its own cell kernels in a loop otherwise)."""

import numpy as np

from nnspec.spec.ops.recurrent import GRU, LSTM, SimpleRNN

from ...codegen_common import literal
from ...contexts import TorchContext
from ..activations import RUNTIME, activation_callable
from ..describe import Module, Op, Tensor
from ..registry import converter
from .masking import mask_expr

TORCH_LAYERS = {"lstm": "nn.LSTM", "gru": "nn.GRU", "simple_rnn": "nn.RNN"}
STEPS = {"lstm": "lstm_step", "gru": "gru_step", "simple_rnn": "simple_rnn_step"}


def fallback_reason(node) -> str | None:
    """Why the node needs the explicit loop (None: the fused PyTorch layer computes it)."""
    if node.op in ("lstm", "gru") and (node.activation, node.recurrent_activation) != (
        "tanh",
        "sigmoid",
    ):
        return (
            f"activation {node.activation!r} / recurrent_activation "
            f"{node.recurrent_activation!r} (PyTorch's layer has tanh / sigmoid only)"
        )
    if node.op == "gru" and not node.reset_after:
        return "reset_after=False (PyTorch's nn.GRU computes the reset_after formula only)"
    if node.op == "simple_rnn" and node.activation not in ("tanh", "relu"):
        return f"activation {node.activation!r} (nn.RNN has tanh and relu only)"
    return None


def _gates_to_torch(node, a: np.ndarray) -> np.ndarray:
    """GRU gate blocks z, r, h (last axis) -> PyTorch's r, z, n; other ops keep their order."""
    if node.op != "gru":
        return a
    z, r, h = np.split(a, 3, axis=-1)
    return np.concatenate([r, z, h], axis=-1)


def _torch_weights(node, params, prefix: str) -> dict[str, np.ndarray]:
    w = {
        "weight_ih": _gates_to_torch(node, params[prefix + "kernel"]).T,
        "weight_hh": _gates_to_torch(node, params[prefix + "recurrent_kernel"]).T,
    }
    if node.use_bias:
        bias = params[prefix + "bias"]
        if node.op == "gru":  # Keras' rows: input bias, recurrent bias
            w["bias_ih"], w["bias_hh"] = (_gates_to_torch(node, b) for b in bias)
        else:  # Keras has one bias; PyTorch adds a second, kept at zero
            w["bias_ih"], w["bias_hh"] = bias, np.zeros_like(bias)
    return w


def _stack(exprs: list[str]) -> str:
    """Per-direction states (N, units) -> PyTorch's (directions, N, units)."""
    if len(exprs) == 1:
        return f"{exprs[0]}.unsqueeze(0)"
    return f"torch.stack([{', '.join(exprs)}])"


def _merge(node, fwd: str, bwd: str, concat: str) -> list[str]:
    mode = node.merge_mode
    if mode is None:
        return [fwd, bwd]
    return [
        {
            "concat": concat,
            "sum": f"{fwd} + {bwd}",
            "mul": f"{fwd} * {bwd}",
            "ave": f"({fwd} + {bwd}) / 2",
        }[mode]
    ]


def _fused(node, ctx: TorchContext, mask: str | None, states: list[str], op: Op) -> list[str]:
    u = node.units
    kwargs: dict[str, object] = {"batch_first": True}
    if not node.use_bias:
        kwargs["bias"] = False
    if node.op == "simple_rnn" and node.activation == "relu":
        kwargs["nonlinearity"] = "relu"
    if node.bidirectional:
        kwargs["bidirectional"] = True
    weights, frozen = {}, []
    for d, suffix in zip(node.directions, ("_l0", "_l0_reverse")):
        for key, value in _torch_weights(node, ctx.params, f"{d}_" if d else "").items():
            weights[key + suffix] = value
        if node.use_bias and node.op != "gru":
            frozen.append("bias_hh" + suffix)
    layer = ctx.attr()
    op.modules[layer] = Module(
        TORCH_LAYERS[node.op],
        (ctx.in_types[0].shape[-1], u),
        kwargs,
        weights,
        frozen=tuple(frozen),
        comment="Keras has one bias: bias_hh stays 0" if frozen else "",
    )
    x = f"{ctx.x}.flip(1)" if node.go_backwards else ctx.x
    init = None
    if states:
        if node.op == "lstm":  # inputs: h, c per direction
            init = f"({_stack(states[0::2])}, {_stack(states[1::2])})"
        else:
            init = _stack(states)
    if mask is not None:  # Keras' masked steps: packed when right-padded, else a loop
        m = f"{mask}.flip(1)" if node.go_backwards else mask
        zero = node.return_sequences if node.bidirectional else node.zero_output_for_mask
        args = [x, m] + ([init] if init else []) + (["zero_output_for_mask=True"] if zero else [])
        call = f"{ctx.helper('masked_rnn')}({layer}, {', '.join(args)})"
    else:
        call = f"{layer}({x}{', ' + init if init else ''})"
    if not node.bidirectional and node.return_sequences and not node.return_state:
        return [f"{call}[0]"]
    seq, h, c = ctx.temp("seq"), ctx.temp("h"), ctx.temp("c")
    finals = f"({h}, {c})" if node.op == "lstm" else h
    op.statements += (f"{seq}, {finals} = {call}",)
    per_dir = [
        [f"{h}[{k}]", f"{c}[{k}]"] if node.op == "lstm" else [f"{h}[{k}]"]
        for k in range(len(node.directions))
    ]
    if not node.bidirectional:
        # Under a mask Keras' last output is the last step's (masked) output, not the state.
        outs = [seq if node.return_sequences else f"{seq}[:, -1]" if mask else f"{h}[0]"]
    elif node.return_sequences:  # PyTorch aligns the backward outputs with the input steps
        outs = _merge(node, f"{seq}[..., :{u}]", f"{seq}[..., {u}:]", seq)
    elif mask is not None:  # forward: its last step; backward: step 0, where it ends
        outs = _merge(
            node,
            f"{seq}[:, -1, :{u}]",
            f"{seq}[:, 0, {u}:]",
            f"torch.cat([{seq}[:, -1, :{u}], {seq}[:, 0, {u}:]], dim=-1)",
        )
    else:  # the backward direction ends at step 0: its final state
        outs = _merge(node, f"{h}[0]", f"{h}[1]", f"torch.cat([{h}[0], {h}[1]], dim=-1)")
    return outs + ([s for d in per_dir for s in d] if node.return_state else [])


def _function(ctx: TorchContext, name: str) -> str:
    """An activation as a callable: ``torch.tanh``, or a lambda with its extra arguments."""
    if name in RUNTIME:
        ctx.helper(name)
    return activation_callable(name)


def _loop(
    node, ctx: TorchContext, mask: str | None, states: list[str], reason: str, op: Op
) -> list[str]:
    run = ctx.helper("keras_rnn")
    step = ctx.helper(
        "gru_reset_before_step" if node.op == "gru" and not node.reset_after else STEPS[node.op]
    )
    stmts = [f"# node {node.name!r}: explicit time loop, for {reason}"]
    act = _function(ctx, node.activation)
    rec_act = _function(ctx, node.recurrent_activation) if node.op != "simple_rnn" else None
    zero_output = node.return_sequences if node.bidirectional else node.zero_output_for_mask
    n = node.states
    zeros = ""  # a zero state, for directions given no initial state
    if len(states) < n * len(node.directions):
        zeros = ctx.temp("zeros")
        stmts.append(f"{zeros} = {ctx.x}.new_zeros({ctx.x}.shape[0], {literal(node.units)})")
    results = []
    for k, d in enumerate(node.directions):
        p = f"{d}_" if d else ""
        kernel, recurrent = ctx.attr(p + "kernel"), ctx.attr(p + "recurrent_kernel")
        op.tensors[kernel] = Tensor(ctx.params[p + "kernel"])
        op.tensors[recurrent] = Tensor(ctx.params[p + "recurrent_kernel"])
        in_bias = rec_bias = None
        if node.use_bias:
            bias = ctx.attr(p + "bias")
            op.tensors[bias] = Tensor(ctx.params[p + "bias"])
            in_bias, rec_bias = (
                (f"{bias}[0]", f"{bias}[1]")
                if node.op == "gru" and node.reset_after
                else (bias, None)
            )
        proj = ctx.temp(f"{p}x")
        stmts.append(f"{proj} = {ctx.x} @ {kernel}" + (f" + {in_bias}" if in_bias else ""))
        m = mask
        if d == "backward" or node.go_backwards:
            proj, m = f"{proj}.flip(1)", (f"{mask}.flip(1)" if mask else None)
        args = [recurrent]
        if step == "gru_step":
            args.append(rec_bias or "None")
        args += [act] + ([rec_act] if rec_act else [])
        fn = f"lambda x_t, s: {step}(x_t, s, {', '.join(args)})"
        given = states[k * n : (k + 1) * n]
        init = given or [zeros] * n
        seq, last, state = ctx.temp(f"{p}seq"), ctx.temp(f"{p}last"), ctx.temp(f"{p}state")
        extra = (f", {m}" if m else "") + (
            ", zero_output_for_mask=True" if zero_output and m else ""
        )
        stmts.append(f"{seq}, {last}, {state} = {run}({fn}, {proj}, ({', '.join(init)},){extra})")
        results.append((seq, last, [f"{state}[{i}]" for i in range(n)]))
    if not node.bidirectional:
        seq, last, _ = results[0]
        outs = [seq if node.return_sequences else last]
    else:
        (fseq, flast, _), (bseq, blast, _) = results
        if node.return_sequences:  # Keras flips the backward outputs back to input order
            fwd, bwd = fseq, f"{bseq}.flip(1)"
        else:
            fwd, bwd = flast, blast
        outs = _merge(node, fwd, bwd, f"torch.cat([{fwd}, {bwd}], dim=-1)")
    op.statements += tuple(stmts)
    return outs + ([s for r in results for s in r[2]] if node.return_state else [])


@converter(LSTM, GRU, SimpleRNN)
def recurrent(node, ctx: TorchContext) -> Op:
    rest = list(ctx.inputs[1:])
    op = Op("")
    mask = None
    if node.mask_value is not None:
        mask = ctx.temp("mask")
        op.statements = (f"{mask} = {mask_expr(rest[0], ctx.in_types[1], node.mask_value)}",)
        rest = rest[1:]
    reason = fallback_reason(node)
    if reason is None:
        op.call = tuple(_fused(node, ctx, mask, rest, op))
    else:
        op.call = tuple(_loop(node, ctx, mask, rest, reason, op))
    return op
