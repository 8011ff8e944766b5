"""Recurrent layers over batch-major sequences (N, T, F).

Canonical weight layouts follow Keras: ``kernel`` (F, G*units) and ``recurrent_kernel``
(units, G*units) with the gate blocks side by side; LSTM gates in order i, f, c, o.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, PositiveInt

from ..activations import Activation
from ..node import Initializer, Node, Sample, Weight, require_rank, static_dim
from ..types import TensorType


class _Recurrent(Node):
    gates: ClassVar[int]
    # The sequence, then optional initial states (functional models pass them as inputs).
    arity: ClassVar[tuple[int, int | None]] = (1, 3)
    states: ClassVar[int] = 1

    units: PositiveInt
    activation: Activation = "tanh"
    use_bias: bool = True
    return_sequences: bool = Field(False, description="Output every step (N, T, units).")
    return_state: bool = Field(False, description="Also output the final state(s).")
    go_backwards: bool = Field(False, description="Read the sequence in reverse order.")
    kernel_initializer: Initializer = "glorot_uniform"
    recurrent_initializer: Initializer = "orthogonal"
    bias_initializer: Initializer = "zeros"

    def infer(self, x: TensorType, *states: TensorType):
        require_rank(x, 3, what="sequence input (batch, time, features)")
        n, t, _ = x.shape
        out = x.with_shape((n, t, self.units) if self.return_sequences else (n, self.units))
        state = x.with_shape((n, self.units))
        return (out, *([state] * self.states)) if self.return_state else out

    def weights(self, x: TensorType, *states: TensorType) -> dict[str, Weight]:
        features = static_dim(x, -1, "input features")
        g = self.gates * self.units
        w = {
            "kernel": Weight((features, g), self.kernel_initializer, "(in, gates*units)"),
            "recurrent_kernel": Weight((self.units, g), self.recurrent_initializer,
                                       "(units, gates*units)"),
        }
        if self.use_bias:
            w["bias"] = Weight((g,), self.bias_initializer, "(gates*units,)")
        return w


class LSTM(_Recurrent):
    """Long short-term memory; gates i, f, c, o. Outputs: sequence or last step, then h, c
    when ``return_state``. Optional inputs 2 and 3 are the initial h and c."""

    op: Literal["lstm"] = "lstm"
    gates: ClassVar[int] = 4
    states: ClassVar[int] = 2
    recurrent_activation: Activation = "sigmoid"
    unit_forget_bias: bool = Field(True, description="Initialise the forget-gate bias to 1.")

    def weights(self, x: TensorType, *states: TensorType) -> dict[str, Weight]:
        w = super().weights(x, *states)
        if self.use_bias and self.unit_forget_bias:
            w["bias"] = Weight(w["bias"].shape, "unit_forget", w["bias"].doc)
        return w


OPS = (LSTM,)


def samples():
    yield Sample("lstm_last", dict(op="lstm", units=4), inputs=[(2, 5, 3)])
    yield Sample("lstm_seq", dict(op="lstm", units=3, return_sequences=True), inputs=[(2, 6, 4)])
    yield Sample("lstm_state_backwards", dict(op="lstm", units=3, return_state=True,
                                              go_backwards=True), inputs=[(2, 4, 2)])
