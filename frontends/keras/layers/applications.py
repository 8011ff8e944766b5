"""Layers defined inside keras.applications (not public Keras layers) that map onto
existing ops: ConvNeXt's ``StochasticDepth`` (dropout of whole samples: ``dropout`` with
``noise_shape`` [null, 1, ...], an identity at inference) and InceptionResNetV2's
``CustomScaleLayer`` (``x + y * scale``: ``rescaling`` then ``add``). ConvNeXt's
``LayerScale`` owns a weight and has its own op (layer_scale.py).

Other libraries have layers with these class names and other meanings (keras_cv's
``StochasticDepth`` adds its two inputs), so only the keras.applications classes convert.
"""

from nnspec.frontends._errors import refusal
from nnspec.spec.ops.dropout import Dropout
from nnspec.spec.ops.merge import Add
from nnspec.spec.ops.rescaling import Rescaling

from ...contexts import KerasLayerContext
from ..registry import from_layer


def _require_applications(layer) -> None:
    module = type(layer).__module__
    if not module.startswith("keras.src.applications."):
        raise refusal(
            f"layer {layer.name!r} ({type(layer).__name__} from {module})",
            "only the layer of this name defined in keras.applications is supported",
            node=layer.name,
            hint="register an op for it (nnspec.register_op)",
        )


@from_layer("StochasticDepth")
def stochastic_depth(layer, ctx: KerasLayerContext):
    _require_applications(layer)
    rank = len(ctx.in_shapes[0])
    return ctx.node(
        Dropout, rate=float(ctx.config["drop_path_rate"]), noise_shape=[None] + [1] * (rank - 1)
    )


@from_layer("CustomScaleLayer")
def custom_scale(layer, ctx: KerasLayerContext):
    _require_applications(layer)
    if len(ctx.inputs) != 2:
        raise ctx.fail(f"expected 2 inputs, got {len(ctx.inputs)}")
    x, residual = ctx.inputs
    scaled = ctx.node(
        Rescaling, suffix="scale", inputs=[residual], scale=float(ctx.config["scale"])
    )
    return [scaled, ctx.node(Add, inputs=[x, scaled.name])]
