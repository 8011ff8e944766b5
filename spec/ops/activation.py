"""Activations as standalone nodes: the named list (``activation``) and the layers with
parameters of their own (``relu``, ``leaky_relu``, ``prelu``, ``elu``, ``softmax``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, PositiveInt

from ..activations import Activation as ActivationName
from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Initializer, Node, Sample, Weight, normalize_axis
from ..types import TensorType


class _Elementwise(Node):
    """Shared rule: same shape out as in."""

    def infer(self, x: TensorType) -> TensorType:
        return x


class Activation(_Elementwise):
    """One of the named activations (see ``activations``), applied elementwise; ``softmax``
    and ``log_softmax`` act over the last axis. Input any shape -> same shape."""

    op: Literal["activation"] = "activation"
    activation: ActivationName = Field(description="Name of the activation.")


class ReLU(_Elementwise):
    """Rectified linear unit with Keras' parameters:
    ``y = min(x, max_value)`` for ``x >= threshold``, else ``negative_slope * (x - threshold)``.
    Defaults give ``max(x, 0)``. Input any shape -> same shape."""

    op: Literal["relu"] = "relu"
    max_value: float | None = Field(None, ge=0, description="Upper bound; null: none.")
    negative_slope: float = Field(0.0, ge=0, description="Slope below the threshold.")
    threshold: float = Field(0.0, ge=0, description="Values below it are damped.")


class LeakyReLU(_Elementwise):
    """``y = x`` for ``x >= 0``, else ``negative_slope * x``. The default 0.3 is the Keras
    layer's (``keras.activations.leaky_relu`` uses 0.2, PyTorch 0.01)."""

    op: Literal["leaky_relu"] = "leaky_relu"
    negative_slope: float = Field(0.3, ge=0, description="Slope for negative inputs.")


class PReLU(_Elementwise):
    """Leaky ReLU with a learned slope: ``y = x`` for ``x >= 0``, else ``alpha * x``.

    Weights: ``alpha``, shaped as the input without its batch axis, with size 1 along each of
    ``shared_axes`` (e.g. (1, 1, C) for a (N, H, W, C) input with ``shared_axes: [1, 2]``).
    """

    op: Literal["prelu"] = "prelu"
    shared_axes: PositiveInt | list[PositiveInt] | None = Field(
        None,
        description="Axes (1 = the first after batch, as Keras counts) along which one slope "
        "is shared; null: one slope per input element.",
    )
    alpha_initializer: Initializer = "zeros"

    def _alpha_shape(self, x: TensorType) -> tuple[int, ...]:
        if x.rank < 2:
            raise ShapeError(f"input must have rank >= 2 (batch, ...), got {x}")
        shape = list(x.shape[1:])
        shared = [self.shared_axes] if isinstance(self.shared_axes, int) else self.shared_axes
        for a in shared or ():
            if a >= x.rank:
                raise AttrError(
                    "shared_axes",
                    f"axis {a} does not exist in input {x} (axes count from 1 after batch, "
                    f"up to {x.rank - 1})",
                )
            shape[a - 1] = 1
        for axis, d in enumerate(shape, start=1):
            if not isinstance(d, int):
                raise ShapeError(
                    f"input axis {axis} must be a fixed size to hold one slope per entry, "
                    f"got {d!r} in input shape {x}",
                    hint=f"add {axis} to shared_axes",
                )
        return tuple(d for d in shape if isinstance(d, int))  # all are, checked above

    def infer(self, x: TensorType) -> TensorType:
        self._alpha_shape(x)
        return x

    def weights(self, x: TensorType) -> dict[str, Weight]:
        shape = self._alpha_shape(x)
        return {"alpha": Weight(shape, self.alpha_initializer, "input[1:], 1 on shared_axes")}


class ELU(_Elementwise):
    """``y = x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""

    op: Literal["elu"] = "elu"
    alpha: float = Field(1.0, description="Scale of the negative part.")


class Softmax(Node):
    """``y = exp(x) / sum(exp(x))`` along ``axis``. Input any shape -> same shape."""

    op: Literal["softmax"] = "softmax"
    axis: int = Field(-1, description="Axis the probabilities sum to 1 along.")

    def infer(self, x: TensorType) -> TensorType:
        normalize_axis(self.axis, x.rank)
        return x


OPS = (Activation, ReLU, LeakyReLU, PReLU, ELU, Softmax)


def samples() -> Iterable[Sample]:
    yield Sample("activation_relu", dict(op="activation", activation="relu"), inputs=[(2, 6)])
    yield Sample("activation_gelu", dict(op="activation", activation="gelu"), inputs=[(2, 3, 4)])
    yield Sample(
        "activation_hard_sigmoid", dict(op="activation", activation="hard_sigmoid"), inputs=[(2, 6)]
    )
    yield Sample(
        "activation_softmax", dict(op="activation", activation="softmax"), inputs=[(2, 3, 5)]
    )
    yield Sample("relu", dict(op="relu"), inputs=[(2, 6)])
    yield Sample("relu_capped", dict(op="relu", max_value=1.0), inputs=[(2, 4, 4, 3)])
    yield Sample(
        "relu_all_params",
        dict(op="relu", max_value=1.5, negative_slope=0.1, threshold=0.5),
        inputs=[(2, 3, 4)],
    )
    yield Sample("leaky_relu", dict(op="leaky_relu"), inputs=[(2, 6)])
    yield Sample("leaky_relu_slope", dict(op="leaky_relu", negative_slope=0.1), inputs=[(2, 3, 4)])
    yield Sample("prelu", dict(op="prelu"), inputs=[(2, 3, 4)])
    yield Sample("prelu_shared", dict(op="prelu", shared_axes=[1, 2]), inputs=[(2, 4, 5, 3)])
    yield Sample("prelu_shared_int", dict(op="prelu", shared_axes=1), inputs=[(2, 5, 3)])
    yield Sample("elu", dict(op="elu"), inputs=[(2, 6)])
    yield Sample("elu_alpha", dict(op="elu", alpha=0.5), inputs=[(2, 3, 4)])
    yield Sample("softmax", dict(op="softmax"), inputs=[(2, 6)])
    yield Sample("softmax_axis1", dict(op="softmax", axis=1), inputs=[(2, 4, 3)])
    # Every name Keras' Activation layer accepts (gelu_approximate has no Keras layer: the
    # Keras backend writes keras.ops.gelu, so it is tested in tests/parity/test_layers_keras.py).
    from ..activations import ACTIVATION_NAMES

    covered = {"relu", "gelu", "hard_sigmoid", "softmax", "gelu_approximate", "hard_sigmoid_keras2"}
    yield Sample(
        "activation_hard_sigmoid_keras2",
        dict(op="activation", activation="hard_sigmoid_keras2"),
        inputs=[(2, 3, 5)],
        input_range=(-3.0, 3.0),
        # Keras 3 has no such activation: the Keras backend writes ops.clip(0.2 * x + 0.5, 0, 1),
        # three keras.ops calls that the Keras frontend refuses rather than reads back.
        extra={"keras_round_trip": False},
    )
    for name in ACTIVATION_NAMES:
        if name not in covered:
            yield Sample(
                f"activation_{name}",
                dict(op="activation", activation=name),
                inputs=[(2, 3, 5)],
                input_range=(-3.0, 3.0),
            )
    yield Sample("relu6", dict(op="relu", max_value=6.0), inputs=[(2, 4, 3)])
    yield Sample("relu_threshold", dict(op="relu", threshold=0.5), inputs=[(2, 3, 4)])
    yield Sample("relu_slope", dict(op="relu", negative_slope=0.2), inputs=[(2, 6)])
    yield Sample(
        "relu_slope_cap", dict(op="relu", negative_slope=0.2, max_value=0.8), inputs=[(2, 6)]
    )
    yield Sample(
        "relu_slope_threshold", dict(op="relu", negative_slope=0.3, threshold=0.2), inputs=[(2, 6)]
    )
    yield Sample("softmax_image_axis2", dict(op="softmax", axis=2), inputs=[(2, 3, 4, 5)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(op="prelu", shared_axes=[3]), inputs=[(2, 5, 4)], match="shared_axes")
    yield ErrorSample(dict(op="softmax", axis=2), inputs=[(2, 5)], match="out of range")
    yield ErrorSample(dict(op="prelu"), inputs=[(2, None, 4)], match="shared_axes")
