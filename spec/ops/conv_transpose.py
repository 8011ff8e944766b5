"""Transposed convolutions over 1 to 3 spatial axes, channels-last: (N, *spatial, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, PositiveInt

from ..activations import Activation
from ..errors import AttrError
from ..node import (
    ErrorSample,
    Initializer,
    Int1,
    Int2,
    Int3,
    Node,
    NonNegInt1,
    NonNegInt2,
    NonNegInt3,
    Sample,
    Weight,
    require_rank,
    static_dim,
)
from ..types import Dim, TensorType


def deconv_length(
    size: Dim, kernel: int, stride: int, padding: str, output_padding: int | None, dilation: int = 1
) -> Dim:
    """Output length of a transposed convolution, as Keras computes it
    (``_get_output_shape_given_tf_padding`` in keras.src.backend.common.backend_utils)."""
    if not isinstance(size, int):
        return None
    effective = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(effective, stride) - effective if output_padding is None else output_padding
        return (size - 1) * stride + effective + extra
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + effective % 2 + output_padding


_RULE = """

    The gradient of a convolution with the same attributes. Output length per spatial axis,
    with k' = (kernel - 1) * dilation + 1 (Keras' formula):

    - ``valid``: (n - 1) * stride + k' + output_padding, where an absent output_padding is
      max(k', stride) - k';
    - ``same``: n * stride when output_padding is absent, else
      (n - 1) * stride + k' % 2 + output_padding.

    Weights: ``kernel`` (*kernel_size, filters, C), Keras' layout, with the output channels
    before the input channels (PyTorch's ConvTranspose weight is (C, filters, *kernel_size));
    ``bias`` (filters,) when ``use_bias``.
    """


class _ConvTranspose(Node):
    """Shared rule for conv1d_transpose and conv2d_transpose."""

    rank: ClassVar[int]
    fuses_activation = True
    if TYPE_CHECKING:  # each rank's subclass declares these, with its own tuple length
        kernel_size: tuple[int, ...]
        strides: tuple[int, ...]
        dilation_rate: tuple[int, ...]
        output_padding: tuple[int, ...] | None

    filters: PositiveInt = Field(description="Number of output channels.")
    padding: Literal["valid", "same"] = "valid"
    activation: Activation = "linear"
    use_bias: bool = True
    kernel_initializer: Initializer = "glorot_uniform"
    bias_initializer: Initializer = "zeros"

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, self.rank + 2)
        if self.output_padding is not None:
            for op, s in zip(self.output_padding, self.strides):
                if op >= s:
                    raise AttrError(
                        "output_padding",
                        f"each entry must be smaller than the stride: output_padding "
                        f"{self.output_padding}, strides {self.strides}",
                    )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise AttrError(
                "dilation_rate",
                f"strides {self.strides} and dilation_rate {self.dilation_rate} cannot both "
                "be above 1 (Keras refuses it)",
            )
        pads: tuple[int | None, ...] = self.output_padding or (None,) * self.rank
        for k, r, pad in zip(self.kernel_size, self.dilation_rate, pads):
            if self.padding == "same" and pad == 0 and ((k - 1) * r + 1) % 2 == 0:
                raise AttrError(
                    "output_padding",
                    f"with padding 'same', an output_padding of 0 and an even kernel "
                    f"({self.kernel_size}, dilation {self.dilation_rate}) give (n - 1) * stride "
                    "cells, which TensorFlow cannot compute (Keras fails when called)",
                    hint="leave output_padding unset (n * stride cells), or use 1",
                )
        spatial = [
            deconv_length(d, k, s, self.padding, op, r)
            for d, k, s, r, op in zip(
                x.shape[1:-1], self.kernel_size, self.strides, self.dilation_rate, pads
            )
        ]
        return x.with_shape((x.shape[0], *spatial, self.filters))

    def weights(self, x: TensorType) -> dict[str, Weight]:
        require_rank(x, self.rank + 2)
        channels = static_dim(x, -1, "input channels")
        shape = (*self.kernel_size, self.filters, channels)
        w = {"kernel": Weight(shape, self.kernel_initializer, "(*kernel_size, out, in)")}
        if self.use_bias:
            w["bias"] = Weight((self.filters,), self.bias_initializer)
        return w


_OUTPUT_PADDING = "Extra cells at the end of each output axis, below the stride; see the formula."


class Conv1DTranspose(_ConvTranspose):
    __doc__ = "1-D transposed convolution. Input (N, T, C) -> (N, T', filters)." + _RULE

    rank: ClassVar[int] = 1
    op: Literal["conv1d_transpose"] = "conv1d_transpose"
    kernel_size: Int1
    strides: Int1 = (1,)
    output_padding: NonNegInt1 | None = Field(None, description=_OUTPUT_PADDING)
    dilation_rate: Int1 = (1,)


class Conv2DTranspose(_ConvTranspose):
    __doc__ = "2-D transposed convolution. Input (N, H, W, C) -> (N, H', W', filters)." + _RULE

    rank: ClassVar[int] = 2
    op: Literal["conv2d_transpose"] = "conv2d_transpose"
    kernel_size: Int2
    strides: Int2 = (1, 1)
    output_padding: NonNegInt2 | None = Field(None, description=_OUTPUT_PADDING)
    dilation_rate: Int2 = (1, 1)


class Conv3DTranspose(_ConvTranspose):
    __doc__ = (
        "3-D transposed convolution. Input (N, D, H, W, C) -> (N, D', H', W', filters)." + _RULE
    )

    rank: ClassVar[int] = 3
    op: Literal["conv3d_transpose"] = "conv3d_transpose"
    kernel_size: Int3
    strides: Int3 = (1, 1, 1)
    output_padding: NonNegInt3 | None = Field(None, description=_OUTPUT_PADDING)
    dilation_rate: Int3 = (1, 1, 1)


OPS = (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose)


def samples() -> Iterable[Sample]:
    yield Sample(
        "conv2d_transpose_basic",
        dict(op="conv2d_transpose", filters=3, kernel_size=3),
        inputs=[(2, 5, 5, 4)],
    )
    yield Sample(
        "conv2d_transpose_same_stride2",
        dict(op="conv2d_transpose", filters=3, kernel_size=3, strides=2, padding="same"),
        inputs=[(2, 4, 5, 2)],
    )
    yield Sample(
        "conv2d_transpose_same_even_kernel",
        dict(op="conv2d_transpose", filters=2, kernel_size=4, strides=2, padding="same"),
        inputs=[(2, 3, 4, 3)],
    )
    yield Sample(
        "conv2d_transpose_valid_stride_gt_kernel",
        dict(op="conv2d_transpose", filters=2, kernel_size=2, strides=3),
        inputs=[(2, 3, 4, 3)],
    )
    yield Sample(
        "conv2d_transpose_output_padding",
        dict(
            op="conv2d_transpose",
            filters=2,
            kernel_size=3,
            strides=2,
            padding="same",
            output_padding=1,
            activation="relu",
        ),
        inputs=[(2, 4, 4, 3)],
    )
    yield Sample(
        "conv2d_transpose_valid_output_padding",
        dict(
            op="conv2d_transpose",
            filters=2,
            kernel_size=3,
            strides=2,
            output_padding=(0, 1),
            use_bias=False,
        ),
        inputs=[(2, 3, 4, 3)],
    )
    yield Sample(
        "conv2d_transpose_dilated",
        dict(op="conv2d_transpose", filters=2, kernel_size=3, dilation_rate=2),
        inputs=[(2, 4, 4, 3)],
    )
    yield Sample(
        "conv1d_transpose_basic",
        dict(op="conv1d_transpose", filters=3, kernel_size=3),
        inputs=[(2, 6, 4)],
    )
    yield Sample(
        "conv1d_transpose_same_stride2",
        dict(op="conv1d_transpose", filters=3, kernel_size=5, strides=2, padding="same"),
        inputs=[(2, 6, 4)],
    )
    yield Sample(
        "conv1d_transpose_output_padding",
        dict(
            op="conv1d_transpose",
            filters=2,
            kernel_size=4,
            strides=3,
            output_padding=2,
            padding="same",
        ),
        inputs=[(2, 5, 3)],
    )
    yield Sample(
        "conv3d_transpose_basic",
        dict(op="conv3d_transpose", filters=2, kernel_size=(2, 3, 2)),
        inputs=[(2, 3, 4, 3, 3)],
    )
    yield Sample(
        "conv3d_transpose_same_stride2",
        dict(op="conv3d_transpose", filters=3, kernel_size=3, strides=(2, 1, 2), padding="same"),
        inputs=[(2, 3, 3, 4, 2)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(
        dict(op="conv2d_transpose", filters=2, kernel_size=3, strides=2, output_padding=2),
        inputs=[(2, 4, 4, 3)],
        match="output_padding",
    )
    yield ErrorSample(
        dict(op="conv2d_transpose", filters=2, kernel_size=3, strides=2, dilation_rate=2),
        inputs=[(2, 4, 4, 3)],
        match="dilation_rate",
    )
    yield ErrorSample(
        dict(
            op="conv1d_transpose",
            filters=2,
            kernel_size=2,
            strides=2,
            padding="same",
            output_padding=0,
        ),
        inputs=[(2, 5, 3)],
        match="even kernel",
    )
