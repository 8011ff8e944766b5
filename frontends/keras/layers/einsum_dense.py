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


def constant_node(ctx, suffix: str, value, trainable: bool = True) -> str:
    node = ctx.node(
        Constant,
        suffix=suffix,
        inputs=[],
        params={"value": value},
        shape=list(value.shape),
        dtype=str(value.dtype),
        trainable=trainable,
    )
    return node.name


def projection(ctx, dense, x_ref: str, in_shape: tuple, prefix: str = "") -> str:
    """An EinsumDense (layer or sublayer) on ``x_ref``: einsum with the kernel, plus bias."""
    w = ctx.weights(dense)
    kernel = constant_node(ctx, f"{prefix}kernel", w["kernel"])
    out = ctx.node(
        Einsum, suffix=f"{prefix}einsum", inputs=[x_ref, kernel], equation=dense.equation
    ).name
    if "bias" in w:
        rank = len(dense.compute_output_shape(in_shape))  # batch included
        bias = w["bias"].reshape((1,) * (rank - w["bias"].ndim) + w["bias"].shape)
        out = ctx.node(
            Add,
            suffix=f"{prefix}bias",
            inputs=[out, constant_node(ctx, f"{prefix}bias_value", bias)],
        ).name
    return out


@from_layer("EinsumDense")
def einsum_dense(layer, ctx):
    cfg = ctx.config
    activation = activation_name(cfg.get("activation"), ctx)
    if cfg.get("quantization_config") or cfg.get("lora_rank"):
        key = "quantization_config" if cfg.get("quantization_config") else "lora_rank"
        raise ctx.refuse(key, "quantized and LoRA layers are not supported")
    if cfg["equation"] == EQUATION and not cfg.get("bias_axes") and activation == "linear":
        return layer_scale_einsum(layer, ctx)
    out = projection(ctx, layer, ctx.inputs[0], ctx.in_shapes[0])
    if activation != "linear":
        out = ctx.node(Activation, suffix="activation", inputs=[out], activation=activation).name
    return ctx._nodes[-1]
