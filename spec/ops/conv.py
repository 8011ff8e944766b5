"""Convolutions over 1, 2 or 3 spatial axes, channels-last: (N, *spatial, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field, PositiveInt

from ..activations import Activation
from ..errors import AttrError
from ..node import Initializer, Int1, Int2, Int3, Node, Sample, Weight, require_rank, static_dim
from ..types import TensorType, window_out


class _Conv(Node):
    """Shared rule for conv1d/2d/3d. Kernel layout (*kernel_size, C // groups, filters)."""

    rank: ClassVar[int]
    fuses_activation = True
    folds_batch_norm = True
    if TYPE_CHECKING:  # each rank's subclass declares these, with its own tuple length
        kernel_size: tuple[int, ...]
        strides: tuple[int, ...]
        dilation_rate: tuple[int, ...]

    filters: PositiveInt = Field(description="Number of output channels.")
    padding: Literal["valid", "same"] = Field(
        "valid", description="'same' pads as TensorFlow does: the odd extra cell goes after."
    )
    groups: PositiveInt = Field(1, description="Channel groups; C and filters divide by it.")
    activation: Activation = "linear"
    use_bias: bool = True
    kernel_initializer: Initializer = "glorot_uniform"
    bias_initializer: Initializer = "zeros"

    def _check(self, x: TensorType) -> int:
        require_rank(x, self.rank + 2)
        channels = static_dim(x, -1, "input channels")
        if channels % self.groups or self.filters % self.groups:
            raise AttrError(
                "groups",
                f"input channels ({channels}) and filters ({self.filters}) must both be "
                f"divisible by groups ({self.groups})",
            )
        if any(s > 1 for s in self.strides) and any(r > 1 for r in self.dilation_rate):
            raise AttrError(
                "dilation_rate",
                f"dilation_rate {self.dilation_rate} > 1 cannot be "
                f"combined with strides {self.strides} > 1 (Keras refuses it too)",
            )
        return channels

    def infer(self, x: TensorType) -> TensorType:
        self._check(x)
        spatial = []
        for axis, (d, k, s, r) in enumerate(
            zip(x.shape[1:-1], self.kernel_size, self.strides, self.dilation_rate)
        ):
            out = window_out(d, k, s, self.padding, r)
            if out is not None and out < 1:
                raise AttrError(
                    "kernel_size",
                    f"kernel {self.kernel_size} (dilation {self.dilation_rate}) does not fit "
                    f"input {tuple(x.shape[1:-1])} with padding {self.padding!r} "
                    f"(axis {axis + 1} would have {out} cells)",
                    hint="use padding: same, or a smaller kernel",
                )
            spatial.append(out)
        return x.with_shape((x.shape[0], *spatial, self.filters))

    def weights(self, x: TensorType) -> dict[str, Weight]:
        channels = self._check(x)
        shape = (*self.kernel_size, channels // self.groups, self.filters)
        w = {"kernel": Weight(shape, self.kernel_initializer, "(*kernel_size, in/groups, out)")}
        if self.use_bias:
            w["bias"] = Weight((self.filters,), self.bias_initializer)
        return w


class Conv1D(_Conv):
    """1-D convolution. Input (N, T, C) -> (N, T', filters). ``causal`` pads on the left."""

    rank: ClassVar[int] = 1
    op: Literal["conv1d"] = "conv1d"
    kernel_size: Int1
    strides: Int1 = (1,)
    dilation_rate: Int1 = (1,)
    # Only conv1d also pads causally; the other ranks keep the base's two choices.
    padding: Literal["valid", "same", "causal"] = "valid"  # type: ignore[assignment]


class Conv2D(_Conv):
    """2-D convolution. Input (N, H, W, C) -> (N, H', W', filters)."""

    rank: ClassVar[int] = 2
    op: Literal["conv2d"] = "conv2d"
    kernel_size: Int2
    strides: Int2 = (1, 1)
    dilation_rate: Int2 = (1, 1)


class Conv3D(_Conv):
    """3-D convolution. Input (N, D, H, W, C) -> (N, D', H', W', filters)."""

    rank: ClassVar[int] = 3
    op: Literal["conv3d"] = "conv3d"
    kernel_size: Int3
    strides: Int3 = (1, 1, 1)
    dilation_rate: Int3 = (1, 1, 1)


OPS = (Conv1D, Conv2D, Conv3D)


def samples() -> Iterable[Sample]:
    yield Sample("conv2d_basic", dict(op="conv2d", filters=4, kernel_size=3), inputs=[(2, 8, 8, 3)])
    yield Sample(
        "conv2d_same_stride2_even",
        dict(op="conv2d", filters=3, kernel_size=4, strides=2, padding="same"),
        inputs=[(1, 9, 8, 2)],
    )
    yield Sample(
        "conv2d_dilated_groups",
        dict(op="conv2d", filters=4, kernel_size=3, dilation_rate=2, groups=2, padding="same"),
        inputs=[(2, 9, 9, 4)],
    )
    yield Sample(
        "conv1d_causal",
        dict(op="conv1d", filters=3, kernel_size=3, padding="causal", dilation_rate=2),
        inputs=[(2, 10, 4)],
    )
    yield Sample(
        "conv1d_same_stride",
        dict(op="conv1d", filters=3, kernel_size=4, strides=3, padding="same", activation="relu"),
        inputs=[(2, 11, 2)],
    )
    yield Sample(
        "conv3d",
        dict(op="conv3d", filters=2, kernel_size=(2, 3, 3), strides=(1, 2, 2), padding="same"),
        inputs=[(1, 4, 7, 6, 3)],
    )
