"""Dropout, noise and regularisation layers: identities at inference. Dropout and the
Gaussian noise layers act in ``module.train()`` as Keras' layers do in ``fit``; the others
stay identities (and ``nnspec.torch_training`` refuses to train them)."""

import math

from nnspec.spec.ops.dropout import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    Identity,
    SpatialDropout,
)

from ..registry import converter


@converter(Identity, SpatialDropout, AlphaDropout, ActivityRegularization)
def dropout(node, ctx) -> str:
    return ctx.x


@converter(Dropout)
def train_dropout(node, ctx) -> str:
    if not node.rate or node.noise_shape is not None:  # noise_shape: refused for training
        return ctx.x
    return f"F.dropout({ctx.x}, {node.rate!r}, self.training)"


@converter(GaussianNoise)
def gaussian_noise(node, ctx) -> str:
    if not node.stddev:
        return ctx.x
    return f"{ctx.x} + torch.randn_like({ctx.x}) * {node.stddev!r} if self.training else {ctx.x}"


@converter(GaussianDropout)
def gaussian_dropout(node, ctx) -> str:
    if not node.rate:
        return ctx.x
    std = math.sqrt(node.rate / (1.0 - node.rate))  # Keras: x * N(1, sqrt(rate / (1 - rate)))
    x = ctx.x
    return f"{x} * (1 + torch.randn_like({x}) * {std!r}) if self.training else {x}"
