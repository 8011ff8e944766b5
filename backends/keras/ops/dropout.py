"""Dropout, noise and regularisation layers: the real Keras layers (identities at inference),
so a model round-trips with them and can still be trained."""

from nnspec.spec.ops.dropout import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    Identity,
    SpatialDropout,
)

from ...codegen_common import non_default
from ...contexts import KerasContext
from ..registry import converter


@converter(
    Identity,
    Dropout,
    SpatialDropout,
    GaussianNoise,
    GaussianDropout,
    AlphaDropout,
    ActivityRegularization,
)
def dropout(node, ctx: KerasContext) -> str:
    if isinstance(node, Identity):
        layer = ctx.layer("layers.Identity")
    elif isinstance(node, Dropout | AlphaDropout):
        cls = "layers.Dropout" if isinstance(node, Dropout) else "layers.AlphaDropout"
        kwargs = {"noise_shape": node.noise_shape} if node.noise_shape is not None else {}
        layer = ctx.layer(cls, node.rate, **kwargs)
    elif isinstance(node, SpatialDropout):
        layer = ctx.layer(f"layers.SpatialDropout{ctx.in_types[0].rank - 2}D", node.rate)
    elif isinstance(node, GaussianNoise):
        layer = ctx.layer("layers.GaussianNoise", node.stddev)
    elif isinstance(node, GaussianDropout):
        layer = ctx.layer("layers.GaussianDropout", node.rate)
    else:
        layer = ctx.layer(
            "layers.ActivityRegularization",
            **non_default(dict(l1=0.0, l2=0.0), l1=node.l1, l2=node.l2),
        )
    return f"{layer}({ctx.x})"
