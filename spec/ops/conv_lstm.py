"""Convolutional LSTMs over sequences of frames, channels-last: ``conv_lstm1d/2d/3d``.

Keras' ConvLSTM1D/2D/3D: an LSTM whose input and recurrent transformations are convolutions.
Input (N, T, *spatial, C) -> the last output (N, *spatial', filters) or, with
``return_sequences``, every step (N, T, *spatial', filters); with ``return_state``, then the
final states h and c (N, *spatial', filters). ``spatial'`` is the input convolution's output
size (``padding``, ``strides``, ``dilation_rate`` as in ``conv``). The recurrent convolution is
always 'same' with stride 1 and no dilation, as in Keras, so the state keeps that size.

Gates i, f, c, o, as ``lstm``: ``c = f * c + i * act(x * W_c + h * U_c + b_c)``,
``h = o * act(c)`` with i, f, o = recurrent_activation(x * W + h * U + b), ``*`` a convolution.
Weights: ``kernel`` (*kernel_size, C, 4*filters), ``recurrent_kernel``
(*kernel_size, filters, 4*filters), the gate blocks side by side on the last axis; ``bias``
(4*filters,), added to the input convolution only.

Inputs, in order: the sequence; the mask source when ``mask_value`` is set (a (N, T) step
mask, see ``spec/ops/masking.py``); then optionally both initial states (h, c). Masked steps
leave the state unchanged and repeat the previous output (zeros before the first kept step),
as Keras' RNN does. ``go_backwards`` reads the sequence from the last step to the first and
returns the outputs in that order.
Dropout rates are kept for training; at inference they are identities.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field, PositiveInt

from ..activations import Activation
from ..errors import AttrError, ShapeError
from ..node import (
    ErrorSample,
    Initializer,
    Int1,
    Int2,
    Int3,
    Node,
    Sample,
    Weight,
    require_rank,
    static_dim,
)
from ..types import TensorType, dims_equal, window_out
from .masking import check_mask_source

Rate = Annotated[float, Field(ge=0.0, lt=1.0)]


class _ConvLSTM(Node):
    """Shared rule for conv_lstm1d/2d/3d."""

    rank: ClassVar[int]
    arity: ClassVar[tuple[int, int | None]] = (1, 4)
    if TYPE_CHECKING:  # each rank's subclass declares these, with its own tuple length
        kernel_size: tuple[int, ...]
        strides: tuple[int, ...]
        dilation_rate: tuple[int, ...]

    filters: PositiveInt = Field(description="Channels of the state and of each output step.")
    padding: Literal["valid", "same"] = Field(
        "valid",
        description="Of the input convolution; 'same' pads as TensorFlow does (the odd extra "
        "cell after). The recurrent convolution is always 'same'.",
    )
    activation: Activation = "tanh"
    recurrent_activation: Activation = "sigmoid"
    use_bias: bool = True
    unit_forget_bias: bool = Field(True, description="Initialise the forget-gate bias to 1.")
    return_sequences: bool = Field(False, description="Output every step (N, T, ..., filters).")
    return_state: bool = Field(False, description="Also output the final states h and c.")
    go_backwards: bool = Field(
        False,
        description="Read the sequence in reverse order (and return the outputs in that order).",
    )
    mask_value: float | None = Field(
        None, description="Skip masked steps: input 2 is the mask source (spec/ops/masking.py)."
    )
    dropout: Rate = 0.0
    recurrent_dropout: Rate = 0.0
    kernel_initializer: Initializer = "glorot_uniform"
    recurrent_initializer: Initializer = "orthogonal"
    bias_initializer: Initializer = "zeros"

    def _spatial_out(self, x: TensorType) -> tuple[int, ...]:
        require_rank(x, self.rank + 3, what=f"sequence input (batch, time, {self.rank} spatial, C)")
        if x.dtype == "bool" or x.dtype.startswith("int"):
            raise ShapeError(f"the sequence must be floating point, got dtype {x.dtype!r}")
        if any(s > 1 for s in self.strides) and any(r > 1 for r in self.dilation_rate):
            raise AttrError(
                "dilation_rate",
                f"dilation_rate {self.dilation_rate} > 1 cannot be "
                f"combined with strides {self.strides} > 1 (Keras refuses it too)",
            )
        static_dim(x, -1, "input channels")
        out = []
        for axis, (k, s, r) in enumerate(zip(self.kernel_size, self.strides, self.dilation_rate)):
            size = static_dim(x, axis + 2, "each spatial size (Keras' ConvLSTM needs them)")
            cells = window_out(size, k, s, self.padding, r)
            assert cells is not None  # the size is static
            if cells < 1:
                raise AttrError(
                    "kernel_size",
                    f"kernel {self.kernel_size} (dilation {self.dilation_rate}) does not fit "
                    f"frames {tuple(x.shape[2:-1])} with padding {self.padding!r} "
                    f"(axis {axis + 2} would have {cells} cells)",
                    hint="use padding: same, or a smaller kernel",
                )
            out.append(cells)
        return tuple(out)

    def infer(self, x: TensorType, *rest: TensorType) -> TensorType | tuple[TensorType, ...]:
        spatial = self._spatial_out(x)
        n, t = x.shape[0], x.shape[1]
        state = x.with_shape((n, *spatial, self.filters))
        states = rest
        if self.mask_value is not None:
            if not rest:
                raise ShapeError(
                    "mask_value is set, so input 2 must be the mask source",
                    hint="see spec/ops/masking.py",
                )
            check_mask_source(x, rest[0])
            states = rest[1:]
        if len(states) not in (0, 2):
            raise ShapeError(
                f"takes both initial states (h, c) or none, got {len(states)} state input(s)"
            )
        for s in states:
            if s.rank != state.rank or any(
                dims_equal(a, b) is False for a, b in zip(s.shape[1:], state.shape[1:])
            ):
                raise ShapeError(f"an initial state must be {state}, got {s}")
        out = x.with_shape((n, t, *spatial, self.filters)) if self.return_sequences else state
        return (out, state, state) if self.return_state else out

    def weights(self, x: TensorType, *rest: TensorType) -> dict[str, Weight]:
        self._spatial_out(x)
        channels = static_dim(x, -1, "input channels")
        g = 4 * self.filters
        w = {
            "kernel": Weight(
                (*self.kernel_size, channels, g),
                self.kernel_initializer,
                "(*kernel_size, in, 4*filters)",
            ),
            "recurrent_kernel": Weight(
                (*self.kernel_size, self.filters, g),
                self.recurrent_initializer,
                "(*kernel_size, filters, 4*filters)",
            ),
        }
        if self.use_bias:
            init = "unit_forget" if self.unit_forget_bias else self.bias_initializer
            w["bias"] = Weight((g,), init, "(4*filters,): gates i, f, c, o")
        return w


class ConvLSTM1D(_ConvLSTM):
    """Convolutional LSTM over sequences of 1-D frames: (N, T, L, C) -> (N, [T,] L', filters)."""

    rank: ClassVar[int] = 1
    op: Literal["conv_lstm1d"] = "conv_lstm1d"
    kernel_size: Int1
    strides: Int1 = (1,)
    dilation_rate: Int1 = (1,)


class ConvLSTM2D(_ConvLSTM):
    """Convolutional LSTM over sequences of images: (N, T, H, W, C) -> (N, [T,] H', W', filters)."""

    rank: ClassVar[int] = 2
    op: Literal["conv_lstm2d"] = "conv_lstm2d"
    kernel_size: Int2
    strides: Int2 = (1, 1)
    dilation_rate: Int2 = (1, 1)


class ConvLSTM3D(_ConvLSTM):
    """Convolutional LSTM over sequences of volumes: (N, T, D, H, W, C) -> (N, [T,] D', H', W',
    filters)."""

    rank: ClassVar[int] = 3
    op: Literal["conv_lstm3d"] = "conv_lstm3d"
    kernel_size: Int3
    strides: Int3 = (1, 1, 1)
    dilation_rate: Int3 = (1, 1, 1)


OPS = (ConvLSTM1D, ConvLSTM2D, ConvLSTM3D)


def samples() -> Iterable[Sample]:
    yield Sample(
        "conv_lstm2d_last",
        dict(op="conv_lstm2d", filters=3, kernel_size=3),
        inputs=[(2, 3, 5, 5, 2)],
    )
    yield Sample(
        "conv_lstm2d_same_stride_seq_state",
        dict(
            op="conv_lstm2d",
            filters=2,
            kernel_size=(3, 2),
            strides=2,
            padding="same",
            return_sequences=True,
            return_state=True,
        ),
        inputs=[(2, 3, 5, 6, 2)],
    )
    yield Sample(
        "conv_lstm1d_backwards_dilated",
        dict(
            op="conv_lstm1d",
            filters=3,
            kernel_size=2,
            dilation_rate=2,
            padding="same",
            go_backwards=True,
            return_sequences=True,
        ),
        inputs=[(2, 4, 7, 2)],
    )
    yield Sample(
        "conv_lstm1d_initial_state_relu",
        dict(
            op="conv_lstm1d",
            filters=2,
            kernel_size=3,
            activation="relu",
            recurrent_activation="hard_sigmoid",
            use_bias=False,
            return_state=True,
        ),
        inputs=[(2, 3, 6, 2), (2, 4, 2), (2, 4, 2)],
    )
    yield Sample(
        "conv_lstm2d_masked_backwards",
        dict(
            op="conv_lstm2d",
            filters=2,
            kernel_size=3,
            padding="same",
            mask_value=0.0,
            go_backwards=True,
            return_sequences=True,
        ),
        inputs=[(2, 4, 4, 4, 2), (2, 4)],
        input_dtypes=["float32", "bool"],
    )
    yield Sample(
        "conv_lstm3d_same",
        dict(op="conv_lstm3d", filters=2, kernel_size=2, padding="same", return_sequences=True),
        inputs=[(1, 2, 3, 4, 3, 2)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="conv_lstm2d", filters=2, kernel_size=3), [(2, 3, 5, 2)], "rank 5")
    yield ErrorSample(
        dict(op="conv_lstm2d", filters=2, kernel_size=6), [(2, 3, 5, 5, 2)], "kernel_size"
    )
    yield ErrorSample(
        dict(op="conv_lstm1d", filters=2, kernel_size=3), [(2, 3, None, 2)], "fixed size"
    )
    yield ErrorSample(
        dict(op="conv_lstm1d", filters=2, kernel_size=3), [(2, 3, 5, 2), (2, 3, 2)], "both"
    )
