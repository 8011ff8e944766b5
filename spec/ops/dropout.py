"""Identities at inference: dropout and noise layers (training only), and ``identity``.

Every op here returns its input unchanged when the model is used for inference, which is the
only mode nnspec builds; their attributes are kept so a model round-trips and can be trained.
The identity-removal pass drops them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Literal

from pydantic import Field, PositiveInt

from ..errors import AttrError
from ..node import ErrorSample, Node, Sample, require_rank
from ..types import TensorType

Rate = Annotated[float, Field(ge=0, le=1, description="Fraction of the units to drop.")]


class _Identity(Node):
    """Shared rule: output = input."""

    inference_identity = True

    def infer(self, x: TensorType) -> TensorType:
        return x


def _check_noise_shape(noise_shape: Sequence[int | None] | None, x: TensorType) -> None:
    if noise_shape is None:
        return
    if len(noise_shape) != x.rank:
        raise AttrError(
            "noise_shape",
            f"noise_shape {tuple(noise_shape)} has {len(noise_shape)} entries, "
            f"the input {x} has rank {x.rank} (batch included)",
        )
    for i, (n, d) in enumerate(zip(noise_shape, x.shape)):
        if n is not None and n != 1 and isinstance(d, int) and n != d:
            raise AttrError(
                "noise_shape",
                f"entry {i} of noise_shape {tuple(noise_shape)} is {n}: it must be 1, null "
                f"or the input's size {d} (input {x})",
            )


class Identity(_Identity):
    """Returns its input. Input any shape -> same shape."""

    op: Literal["identity"] = "identity"


class Dropout(_Identity):
    """Dropout: identity at inference. In training, zeroes a ``rate`` fraction of the units
    and scales the rest by 1 / (1 - rate). Input any shape -> same shape."""

    op: Literal["dropout"] = "dropout"
    rate: Rate
    noise_shape: list[PositiveInt | None] | None = Field(
        None,
        description="Shape of the keep/drop mask, batch included, broadcast over the input "
        "(1 shares the mask along an axis, null takes the input's size).",
    )

    def infer(self, x: TensorType) -> TensorType:
        _check_noise_shape(self.noise_shape, x)
        return x


class SpatialDropout(_Identity):
    """Dropout of whole channels (Keras' SpatialDropout1D/2D/3D): identity at inference.
    Input (N, *spatial, C) with 1 to 3 spatial axes -> same shape."""

    op: Literal["spatial_dropout"] = "spatial_dropout"
    rate: Rate

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, 3, 4, 5)
        return x


class GaussianNoise(_Identity):
    """Adds zero-mean Gaussian noise in training; identity at inference."""

    op: Literal["gaussian_noise"] = "gaussian_noise"
    stddev: float = Field(ge=0, description="Standard deviation of the noise.")


class GaussianDropout(_Identity):
    """Multiplies by Gaussian noise of mean 1 and variance rate / (1 - rate) in training;
    identity at inference."""

    op: Literal["gaussian_dropout"] = "gaussian_dropout"
    rate: Rate


class AlphaDropout(_Identity):
    """Dropout that keeps the mean and variance of SELU activations, in training; identity at
    inference."""

    op: Literal["alpha_dropout"] = "alpha_dropout"
    rate: Rate
    noise_shape: list[PositiveInt | None] | None = Field(
        None, description="Shape of the keep/drop mask, batch included (as for dropout)."
    )

    def infer(self, x: TensorType) -> TensorType:
        _check_noise_shape(self.noise_shape, x)
        return x


class ActivityRegularization(_Identity):
    """Adds ``l1 * sum(|x|) + l2 * sum(x ** 2)`` to the training loss; identity otherwise."""

    op: Literal["activity_regularization"] = "activity_regularization"
    l1: float = Field(0.0, ge=0, description="L1 factor.")
    l2: float = Field(0.0, ge=0, description="L2 factor.")


OPS = (
    Identity,
    Dropout,
    SpatialDropout,
    GaussianNoise,
    GaussianDropout,
    AlphaDropout,
    ActivityRegularization,
)


def samples() -> Iterable[Sample]:
    yield Sample("identity", dict(op="identity"), inputs=[(2, 5, 3)])
    yield Sample("dropout", dict(op="dropout", rate=0.5), inputs=[(2, 6)])
    yield Sample(
        "dropout_noise_shape",
        dict(op="dropout", rate=0.3, noise_shape=[None, 1, 4]),
        inputs=[(2, 5, 4)],
    )
    yield Sample("spatial_dropout1d", dict(op="spatial_dropout", rate=0.2), inputs=[(2, 5, 3)])
    yield Sample("spatial_dropout2d", dict(op="spatial_dropout", rate=0.2), inputs=[(2, 4, 4, 3)])
    yield Sample(
        "spatial_dropout3d", dict(op="spatial_dropout", rate=0.2), inputs=[(2, 3, 4, 4, 3)]
    )
    yield Sample("gaussian_noise", dict(op="gaussian_noise", stddev=0.1), inputs=[(2, 6)])
    yield Sample("gaussian_dropout", dict(op="gaussian_dropout", rate=0.1), inputs=[(2, 6)])
    yield Sample("alpha_dropout", dict(op="alpha_dropout", rate=0.1), inputs=[(2, 6)])
    yield Sample(
        "activity_regularization",
        dict(op="activity_regularization", l1=0.01, l2=0.02),
        inputs=[(2, 3, 4)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(
        dict(op="dropout", rate=0.5, noise_shape=[None, 1]), inputs=[(2, 5, 4)], match="noise_shape"
    )
    yield ErrorSample(
        dict(op="dropout", rate=0.5, noise_shape=[None, 3, 4]),
        inputs=[(2, 5, 4)],
        match="noise_shape",
    )
    yield ErrorSample(dict(op="spatial_dropout", rate=0.5), inputs=[(2, 5)], match="rank")
