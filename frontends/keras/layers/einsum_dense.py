"""Keras EinsumDense -> ``einsum`` of the input with its kernel (a trainable ``constant``),
plus the bias (shaped as Keras broadcasts it over the output's trailing axes) and the
activation. ``...c,c->...c`` with neither stays ``layer_scale`` (keras.applications' ConvNeXt
writes its LayerScale this way)."""

from nnspec.spec.ops.activation import Activation
from nnspec.spec.ops.constant import Constant
from nnspec.spec.ops.linalg import Einsum
from nnspec.spec.ops.merge import Add

from .._common import activation_name
from ..registry import from_layer
from .layer_scale import EQUATION, layer_scale_einsum


def _constant(ctx, suffix: str, value) -> str:
    node = ctx.node(
        Constant, suffix=suffix, inputs=[], params={"value": value}, shape=list(value.shape)
    )
    return node.name


@from_layer("EinsumDense")
def einsum_dense(layer, ctx):
    cfg = ctx.config
    activation = activation_name(cfg.get("activation"), ctx)
    if cfg.get("quantization_config") or cfg.get("lora_rank"):
        key = "quantization_config" if cfg.get("quantization_config") else "lora_rank"
        raise ctx.refuse(key, "quantized and LoRA layers are not supported")
    if cfg["equation"] == EQUATION and not cfg.get("bias_axes") and activation == "linear":
        return layer_scale_einsum(layer, ctx)
    w = ctx.weights()
    kernel = _constant(ctx, "kernel", w["kernel"])
    out = ctx.node(
        Einsum, suffix="einsum", inputs=[ctx.inputs[0], kernel], equation=cfg["equation"]
    )
    if "bias" in w:
        rank = len(layer.compute_output_shape(ctx.in_shapes[0]))  # batch included
        bias = w["bias"].reshape((1,) * (rank - w["bias"].ndim) + w["bias"].shape)
        out = ctx.node(Add, suffix="bias", inputs=[out.name, _constant(ctx, "bias_value", bias)])
    if activation != "linear":
        out = ctx.node(Activation, suffix="activation", inputs=[out.name], activation=activation)
    return out
