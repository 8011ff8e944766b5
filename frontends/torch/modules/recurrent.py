"""nn.LSTM / nn.GRU / nn.RNN -> lstm / gru / simple_rnn, one node per layer
(``bidirectional`` nodes for bidirectional layers).

Weights: kernels are transposed to (in, gates*units); LSTM gates i, f, g, o are the spec's
i, f, c, o and its two biases are summed (the spec and Keras have one, so a converted LSTM
has 4 * hidden_size fewer parameters per layer and direction); GRU gates r, z, n are
reordered to z, r, h with ``reset_after`` (PyTorch's formula) and the two biases kept as the
(2, 3*units) bias; an RNN's two biases are summed.

Which outputs the spec needs is read from the graph: the output sequence, and ``h_n``/``c_n``
(a :class:`Stack` of per-layer, per-direction batch-major states, used through indexing such as
``h_n[-1]``).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from nnspec.spec.node import Node
from nnspec.spec.ops.recurrent import GRU, LSTM, SimpleRNN

from ...contexts import TorchNodeContext
from ..boundary import state_stack
from ..registry import from_function, from_module
from ..values import Stack, Tensor, Zeros, identity
from ._common import array

_GRU_ORDER = (1, 0, 2)  # PyTorch r, z, n -> spec z, r, h


def _getitems(n):
    """{index: getitem user} for a node used only through constant indexing, else None."""
    out: dict[int, Any] = {}
    for u in n.users:
        if (
            u.op != "call_function"
            or u.target is not operator.getitem
            or u.args[0] is not n
            or not isinstance(u.args[1], int)
        ):
            return None
        out.setdefault(u.args[1], []).append(u)
    return out


def _used(n, lstm: bool, entries: int):
    """(sequence used, h_n entries used, c_n entries used) for a recurrent module's graph
    node; an entry is layer * directions + direction, as in h_n."""
    everything = set(range(entries))
    items = _getitems(n)
    if items is None:
        return True, everything, everything
    seq = 0 in items or -2 in items
    used: list[set[int]] = [set(), set()]
    for hx in items.get(1, []) + items.get(-1, []):
        parts = {0: [hx]}
        if lstm:
            parts = _getitems(hx)
            if parts is None:
                return seq, everything, everything
        for k, stacks in parts.items():
            for stack in stacks:
                picks = _getitems(stack)
                used[k % 2] |= everything if picks is None else {i % entries for i in picks}
    return seq, used[0], used[1]


def _params(m, kind: str, layer: int, reverse: bool) -> dict[str, np.ndarray]:
    sfx = f"_l{layer}" + ("_reverse" if reverse else "")
    w_ih, w_hh = array(getattr(m, "weight_ih" + sfx)), array(getattr(m, "weight_hh" + sfx))
    b_ih = array(getattr(m, "bias_ih" + sfx)) if m.bias else None
    b_hh = array(getattr(m, "bias_hh" + sfx)) if m.bias else None
    h = m.hidden_size

    def reorder(a: np.ndarray) -> np.ndarray:
        if kind != "gru":
            return a
        return np.concatenate([a[g * h : (g + 1) * h] for g in _GRU_ORDER], axis=0)

    params = {"kernel": reorder(w_ih).T, "recurrent_kernel": reorder(w_hh).T}
    if b_ih is not None and b_hh is not None:  # m.bias
        # GRU keeps both biases (reset_after); the others add them into one.
        gru = kind == "gru"
        params["bias"] = np.stack([reorder(b_ih), reorder(b_hh)]) if gru else b_ih + b_hh
    return params


def _initial_states(ctx: TorchNodeContext, hx, kind: str, layers: int, directions: int):
    """Per layer, the initial-state refs the spec node takes (h, c per direction), or None."""
    if hx is None:
        return [None] * layers
    parts = list(hx) if isinstance(hx, (tuple, list)) else [hx]
    if all(isinstance(p, Zeros) for p in parts):
        return [None] * layers  # zeros are the spec's default initial state
    # h0 passed to forward (the word-language-model idiom): one spec tensor per entry
    parts = [state_stack(ctx, p) if isinstance(p, Tensor) else p for p in parts]
    if not all(isinstance(p, Stack) for p in parts):
        raise ctx.refuse(
            "initial states are supported when they are zeros made in forward "
            "(torch.zeros), forward arguments or the h_n/c_n of another recurrent layer",
            hint="the spec's initial states are batch-major (N, units) tensors",
        )
    if any(len(p.items) != layers * directions for p in parts):
        raise ctx.refuse("the initial states do not have one entry per layer and direction")
    out = []
    for layer in range(layers):
        refs = []
        for d in range(directions):
            for p in parts:
                item = p.items[layer * directions + d]
                if item is None:
                    raise ctx.refuse(
                        "an initial state comes from an output the spec does not produce"
                    )
                refs.append(item.ref)
        out.append(refs)
    return out


def recurrent(m, ctx: TorchNodeContext, kind: str):
    classes: dict[str, type[Node]] = {"lstm": LSTM, "gru": GRU, "rnn": SimpleRNN}
    cls = classes[kind]
    if getattr(m, "proj_size", 0):
        raise ctx.refuse(f"proj_size={m.proj_size} is not supported (no projected LSTM op)")
    x = ctx.input()
    if x.rank != 3:
        raise ctx.refuse(
            f"input of shape {x.shape} is not a batched sequence (rank 3)",
            hint="packed sequences and unbatched inputs are not supported",
        )
    perm = (0, 1, 2) if m.batch_first else (1, 0, 2)
    ref = ctx.as_perm(x, perm)
    layers, directions = m.num_layers, 2 if m.bidirectional else 1
    hx = ctx.arg(1, "hx", None)
    initial = _initial_states(ctx, hx, kind, layers, directions)
    seq_used, h_used, c_used = _used(ctx.fx, kind == "lstm", layers * directions)
    entries_used = h_used | c_used
    n_states = 2 if kind == "lstm" else 1
    attrs = {}
    if kind == "rnn":
        attrs["activation"] = m.nonlinearity
    if kind == "gru":
        attrs["reset_after"] = True
    states: list[list[Tensor | None]] = [[] for _ in range(n_states)]
    h = m.hidden_size
    batch = x.shape[perm[0]]
    for layer in range(layers):
        last = layer == layers - 1
        states_used = any(layer * directions + d in entries_used for d in range(directions))
        # Only the last step of a one-way last layer is read: its output is h_n[-1].
        h_is_output = last and not seq_used and directions == 1 and layer not in c_used
        if h_is_output:
            states_used = False
        params = {}
        for d, direction in enumerate(("forward", "backward")[:directions]):
            p = _params(m, kind, layer, reverse=d == 1)
            prefix = f"{direction}_" if directions == 2 else ""
            params.update({prefix + k: v for k, v in p.items()})
        inputs = [ref] + (initial[layer] or [])
        out = ctx.emit(
            cls,
            inputs,
            suffix="" if last else f"l{layer}",
            units=h,
            use_bias=bool(m.bias),
            return_sequences=not last or seq_used,
            return_state=states_used,
            bidirectional=directions == 2,
            dropout=float(m.dropout) if layer else 0.0,
            params=params,
            **attrs,
        )
        ref = out
        for d in range(directions):
            for s in range(n_states):
                k = 1 + d * n_states + s
                item = None
                if states_used:
                    item = Tensor(f"{out}:{k}", (batch, h), "float32", identity(2))
                elif h_is_output and s == 0:
                    item = Tensor(out, (batch, h), "float32", identity(2))
                states[s].append(item)
    if seq_used:
        seq_shape = ctx.out_shape(0)
        output = ctx.result(ref, perm, shape=seq_shape, dtype="float32")
    else:
        output = None
    stacks = [
        Stack(
            f"{'h_n' if s == 0 else 'c_n'} of {ctx.what}",
            states[s],
            (layers * directions, batch, h),
        )
        for s in range(n_states)
    ]
    for stack in stacks:
        for item in stack.items:
            if item is not None:
                ctx.expect(item)
    hidden = tuple(stacks) if kind == "lstm" else stacks[0]
    return (output, hidden)


@from_module("LSTM")
def lstm(m, ctx: TorchNodeContext):
    return recurrent(m, ctx, "lstm")


@from_module("GRU")
def gru(m, ctx: TorchNodeContext):
    return recurrent(m, ctx, "gru")


@from_module("RNN")
def simple_rnn(m, ctx: TorchNodeContext):
    return recurrent(m, ctx, "rnn")


@from_function("zeros")
def zeros(ctx: TorchNodeContext):
    """Zeros made in forward: accepted as initial states (the spec's default)."""
    return Zeros(f"zeros made by {ctx.what}", ctx.out_shape())
