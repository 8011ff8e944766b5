"""Dropout, noise and regularisation layers: identities at inference, so the node's output is
its input and the generated forward has no line for it."""

from nnspec.spec.ops.dropout import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    Identity,
    SpatialDropout,
)

from ..layout import elementwise
from ..registry import converter


@converter(
    Identity,
    Dropout,
    SpatialDropout,
    GaussianNoise,
    GaussianDropout,
    AlphaDropout,
    ActivityRegularization,
    layout=elementwise,
)
def dropout(node, ctx) -> str:
    return ctx.x
