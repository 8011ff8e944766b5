"""Keras layers that are identities at inference -> dropout-family nodes (kept in the spec
so a round trip, and training, keep them). Seeds only matter in training and are not kept."""

from nnspec.spec.ops.dropout import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    Identity,
    SpatialDropout,
)

from ...contexts import KerasLayerContext
from .._common import require_channels_last
from ..registry import from_layer


def _noise_shape(ctx: KerasLayerContext):
    shape = ctx.config.get("noise_shape")
    return None if shape is None else list(shape)


@from_layer("Identity")
def identity(layer, ctx: KerasLayerContext):
    return ctx.node(Identity)


@from_layer("Dropout", "AlphaDropout")
def dropout(layer, ctx: KerasLayerContext):
    cls = Dropout if type(layer).__name__ == "Dropout" else AlphaDropout
    return ctx.node(cls, rate=float(ctx.config["rate"]), noise_shape=_noise_shape(ctx))


@from_layer("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")
def spatial_dropout(layer, ctx: KerasLayerContext):
    require_channels_last(ctx)
    return ctx.node(SpatialDropout, rate=float(ctx.config["rate"]))


@from_layer("GaussianNoise")
def gaussian_noise(layer, ctx: KerasLayerContext):
    return ctx.node(GaussianNoise, stddev=float(ctx.config["stddev"]))


@from_layer("GaussianDropout")
def gaussian_dropout(layer, ctx: KerasLayerContext):
    return ctx.node(GaussianDropout, rate=float(ctx.config["rate"]))


@from_layer("ActivityRegularization")
def activity_regularization(layer, ctx: KerasLayerContext):
    return ctx.node(
        ActivityRegularization,
        l1=float(ctx.config.get("l1", 0.0)),
        l2=float(ctx.config.get("l2", 0.0)),
    )
