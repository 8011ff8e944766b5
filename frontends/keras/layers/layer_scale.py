"""Per-channel learned scales -> layer_scale: keras.applications ConvNeXt's ``LayerScale``,
and ``EinsumDense`` with the equation ``...c,c->...c`` (what the Keras backend emits; the
other equations are einsum_dense.py's)."""

import re
import typing

from nnspec.frontends._errors import refusal
from nnspec.spec.node import Initializer
from nnspec.spec.ops.layer_scale import LayerScale

from ...contexts import KerasLayerContext
from ..registry import from_layer

EQUATION = "...c,c->...c"
_INITIALIZERS = typing.get_args(Initializer)


def _initializer(value) -> str:
    """A Keras initializer config as a spec initializer name; 'ones' when it has none."""
    if isinstance(value, dict):
        value = value.get("class_name", "")
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", str(value)).lower()
    name = {"random_uniform": "uniform", "random_normal": "normal"}.get(name, name)
    return name if name in _INITIALIZERS else "ones"


@from_layer("LayerScale")
def layer_scale(layer, ctx: KerasLayerContext):
    module = type(layer).__module__
    w = list(ctx.weights().values())  # one unnamed weight ("variable"): gamma
    if not module.startswith("keras.src.applications.") or len(w) != 1 or w[0].ndim != 1:
        raise refusal(
            f"layer {layer.name!r} (LayerScale from {module})",
            "only keras.applications ConvNeXt's LayerScale (x * gamma, one weight per "
            "channel) is supported",
            node=layer.name,
            hint="register an op for it (nnspec.register_op)",
        )
    return ctx.node(LayerScale, params={"gamma": w[0]})


def layer_scale_einsum(layer, ctx):
    """EinsumDense ``...c,c->...c`` with no bias or activation (einsum_dense.py checks)."""
    return ctx.node(
        LayerScale,
        gamma_initializer=_initializer(ctx.config.get("kernel_initializer")),
        params={"gamma": ctx.weights()["kernel"]},
    )
