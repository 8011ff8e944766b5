"""Recurrent layers over batch-major sequences (N, T, F): ``lstm``, ``gru``, ``simple_rnn``.

Canonical weight layouts follow Keras: ``kernel`` (F, G*units) and ``recurrent_kernel``
(units, G*units) with the G gate blocks side by side, ``x_t @ kernel`` (no transposes):

- ``lstm``: gates i, f, c, o; ``bias`` (4*units,) -- one bias (PyTorch has two; backends keep
  PyTorch's ``bias_hh`` at zero).
- ``gru``: gates z, r, h (PyTorch orders them r, z, n); with ``reset_after`` (PyTorch's
  formula, ``h~ = act(x W_h + b_h + r * (h U_h + b'_h))``) ``bias`` is (2, 3*units): row 0 the
  input bias, row 1 the recurrent bias. Without it (``h~ = act(x W_h + b_h + (r * h) U_h)``,
  which no PyTorch layer computes) ``bias`` is (3*units,).
- ``simple_rnn``: ``h = act(x W + b + h U)``; ``bias`` (units,).

Inputs, in order: the sequence; the mask source when ``mask_value`` is set (see
``spec/ops/masking.py``); then optionally the initial states, all of them or none: (h, c) for
``lstm``, (h,) otherwise, forward direction first for a ``bidirectional`` node.

Outputs: the last output (N, units) or, with ``return_sequences``, every step (N, T, units);
with ``bidirectional`` and ``merge_mode`` null, the forward then the backward output; then,
with ``return_state``, the final states (h, c for ``lstm``), forward direction first.

``bidirectional`` is Keras' ``Bidirectional`` wrapper (``nn.LSTM(bidirectional=True)``): a
forward and a backward layer with their own weights, keyed ``forward_kernel``,
``backward_kernel``, ... With ``return_sequences`` the backward outputs are re-aligned to the
input steps; without it, the backward output is its state after reading step 0.

Masked steps (mask False) leave the state unchanged; the output there repeats the previous
step's output (zeros before the first kept step), or is zeros with ``zero_output_for_mask``
(Keras forces that on both directions of a ``bidirectional`` node with ``return_sequences``).
``go_backwards`` reads the sequence from the last step to the first and returns the outputs in
that (reversed) order, as Keras does. Dropout rates are kept for training; at inference they
are identities.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, ClassVar, Literal

from pydantic import Field, PositiveInt

from ..activations import Activation
from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Initializer, Node, Sample, Weight, require_rank, static_dim
from ..types import TensorType, dims_equal
from .masking import check_mask_source

Rate = Annotated[float, Field(ge=0.0, lt=1.0)]


class _Recurrent(Node):
    gates: ClassVar[int]
    states: ClassVar[int] = 1
    arity: ClassVar[tuple[int, int | None]] = (1, 6)

    units: PositiveInt = Field(description="Size of the state and of each output step.")
    activation: Activation = "tanh"
    use_bias: bool = True
    return_sequences: bool = Field(False, description="Output every step (N, T, units).")
    return_state: bool = Field(False, description="Also output the final state(s).")
    go_backwards: bool = Field(
        False,
        description="Read the sequence in reverse order (and return the outputs in that order).",
    )
    bidirectional: bool = Field(
        False, description="A forward and a backward layer (Keras' Bidirectional wrapper)."
    )
    merge_mode: Literal["concat", "sum", "mul", "ave"] | None = Field(
        "concat",
        description="How a bidirectional node merges its two outputs; null keeps "
        "both as separate outputs.",
    )
    mask_value: float | None = Field(
        None, description="Skip masked steps: input 2 is the mask source (spec/ops/masking.py)."
    )
    zero_output_for_mask: bool = Field(
        False, description="Masked steps output zeros instead of repeating the previous output."
    )
    dropout: Rate = 0.0
    recurrent_dropout: Rate = 0.0
    kernel_initializer: Initializer = "glorot_uniform"
    recurrent_initializer: Initializer = "orthogonal"
    bias_initializer: Initializer = "zeros"

    @property
    def directions(self) -> tuple[str, ...]:
        return ("forward", "backward") if self.bidirectional else ("",)

    def state_inputs(self) -> int:
        """How many initial-state inputs a node with initial states takes."""
        return self.states * len(self.directions)

    def infer(self, x: TensorType, *rest: TensorType) -> TensorType | tuple[TensorType, ...]:
        require_rank(x, 3, what="sequence input (batch, time, features)")
        if self.bidirectional and self.go_backwards:
            raise AttrError(
                "go_backwards",
                "a bidirectional node already reads the sequence "
                "both ways; go_backwards must be false",
                hint="drop go_backwards (Keras refuses it inside Bidirectional too)",
            )
        if self.bidirectional and self.zero_output_for_mask:
            raise AttrError(
                "zero_output_for_mask",
                "a bidirectional node zeroes masked outputs "
                "exactly when it returns sequences, as Keras' Bidirectional does",
                hint="leave zero_output_for_mask false",
            )
        if x.dtype == "bool" or x.dtype.startswith("int"):
            raise ShapeError(
                f"the sequence must be floating point, got dtype {x.dtype!r}",
                hint="feed ids through an embedding first",
            )
        n, t, _ = x.shape
        if self.mask_value is not None:
            if not rest:
                raise ShapeError(
                    "mask_value is set, so input 2 must be the mask source",
                    hint="see spec/ops/masking.py",
                )
            check_mask_source(x, rest[0])
            rest = rest[1:]
        if rest and len(rest) != self.state_inputs():
            names = ", ".join(("h", "c")[: self.states])
            raise ShapeError(
                f"takes all {self.state_inputs()} initial states ({names} per direction) or "
                f"none, got {len(rest)} state input(s)"
            )
        for s in rest:
            require_rank(s, 2, what="an initial state (batch, units)")
            if dims_equal(s.shape[1], self.units) is False:
                raise ShapeError(f"an initial state must be (batch, {self.units}), got {s}")
        width = self.units * (2 if self.bidirectional and self.merge_mode == "concat" else 1)
        out = x.with_shape((n, t, width) if self.return_sequences else (n, width))
        outs = (out, out) if self.bidirectional and self.merge_mode is None else (out,)
        if not self.return_state:
            return outs if len(outs) > 1 else outs[0]
        state = x.with_shape((n, self.units))
        return (*outs, *([state] * self.state_inputs()))

    def bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    def bias_init(self) -> str:
        return self.bias_initializer

    def weights(self, x: TensorType, *rest: TensorType) -> dict[str, Weight]:
        features = static_dim(x, -1, "input features")
        g = self.gates * self.units
        w = {}
        for d in self.directions:
            p = f"{d}_" if d else ""
            w[p + "kernel"] = Weight((features, g), self.kernel_initializer, "(in, gates*units)")
            w[p + "recurrent_kernel"] = Weight(
                (self.units, g), self.recurrent_initializer, "(units, gates*units)"
            )
            if self.use_bias:
                shape = self.bias_shape()
                doc = "(2, gates*units): input, recurrent" if len(shape) == 2 else "(gates*units,)"
                w[p + "bias"] = Weight(shape, self.bias_init(), doc)
        return w


class LSTM(_Recurrent):
    """Long short-term memory; gates i, f, c, o:
    ``c = f * c + i * act(x W_c + h U_c + b_c)``, ``h = o * act(c)`` with
    i, f, o = recurrent_activation(x W + h U + b). States h, c."""

    op: Literal["lstm"] = "lstm"
    gates: ClassVar[int] = 4
    states: ClassVar[int] = 2
    recurrent_activation: Activation = "sigmoid"
    unit_forget_bias: bool = Field(True, description="Initialise the forget-gate bias to 1.")

    def bias_init(self) -> str:
        return "unit_forget" if self.unit_forget_bias else self.bias_initializer


class GRU(_Recurrent):
    """Gated recurrent unit; gates z, r, h: ``h = z * h + (1 - z) * h~``. With
    ``reset_after`` (Keras' default and PyTorch's formula) the reset gate multiplies the
    recurrent projection; without it, the state before the projection."""

    op: Literal["gru"] = "gru"
    gates: ClassVar[int] = 3
    recurrent_activation: Activation = "sigmoid"
    reset_after: bool = Field(
        True,
        description="Apply the reset gate after the recurrent "
        "matrix multiplication (bias (2, 3*units)).",
    )

    def bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)


class SimpleRNN(_Recurrent):
    """Fully connected recurrence ``h = act(x W + b + h U)``; state h."""

    op: Literal["simple_rnn"] = "simple_rnn"
    gates: ClassVar[int] = 1


OPS = (LSTM, GRU, SimpleRNN)


def samples() -> Iterable[Sample]:
    yield Sample("lstm_last", dict(op="lstm", units=4), inputs=[(2, 5, 3)])
    yield Sample("lstm_seq", dict(op="lstm", units=3, return_sequences=True), inputs=[(2, 6, 4)])
    yield Sample(
        "lstm_state_backwards",
        dict(op="lstm", units=3, return_state=True, go_backwards=True),
        inputs=[(2, 4, 2)],
    )
    yield Sample(
        "lstm_relu_hard_sigmoid",
        dict(
            op="lstm",
            units=3,
            activation="relu",
            recurrent_activation="hard_sigmoid",
            return_sequences=True,
        ),
        inputs=[(2, 4, 3)],
    )
    yield Sample(
        "lstm_initial_state",
        dict(op="lstm", units=3, return_state=True),
        inputs=[(2, 4, 2), (2, 3), (2, 3)],
    )
    yield Sample(
        "lstm_bidirectional",
        dict(op="lstm", units=3, bidirectional=True, return_sequences=True),
        inputs=[(2, 5, 2)],
    )
    yield Sample(
        "lstm_bidirectional_none_state",
        dict(op="lstm", units=2, bidirectional=True, merge_mode=None, return_state=True),
        inputs=[(2, 4, 3)],
    )
    yield Sample(
        "lstm_masked",
        dict(op="lstm", units=3, mask_value=0.0, return_sequences=True),
        inputs=[(2, 5, 2), (2, 5, 2)],
    )
    yield Sample("gru_last", dict(op="gru", units=4), inputs=[(2, 5, 3)])
    yield Sample(
        "gru_reset_before_seq",
        dict(op="gru", units=3, reset_after=False, return_sequences=True),
        inputs=[(2, 5, 3)],
    )
    yield Sample(
        "gru_nobias_state",
        dict(op="gru", units=3, use_bias=False, return_state=True),
        inputs=[(2, 4, 2)],
    )
    yield Sample(
        "gru_bidirectional_sum",
        dict(op="gru", units=3, bidirectional=True, merge_mode="sum"),
        inputs=[(2, 5, 2)],
    )
    yield Sample("simple_rnn_last", dict(op="simple_rnn", units=4), inputs=[(2, 5, 3)])
    yield Sample(
        "simple_rnn_relu_seq_backwards",
        dict(op="simple_rnn", units=3, activation="relu", return_sequences=True, go_backwards=True),
        inputs=[(2, 5, 3)],
    )
    yield Sample(
        "simple_rnn_sigmoid",
        dict(op="simple_rnn", units=3, activation="sigmoid", return_state=True),
        inputs=[(2, 4, 3)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="lstm", units=3), inputs=[(2, 5)], match="rank 3")
    yield ErrorSample(dict(op="gru", units=3), inputs=[(2, 5, 3), (2, 3)], match="initial states")
    yield ErrorSample(
        dict(op="lstm", units=3, mask_value=0.0), inputs=[(2, 5, 3)], match="mask source"
    )
    yield ErrorSample(
        dict(op="lstm", units=3, mask_value=0.0), inputs=[(2, 5, 3), (2, 4)], match="time axis"
    )
