"""Helpers shared by the Keras layer converters."""

from __future__ import annotations

from typing import Any

from nnspec.frontends._errors import refusal
from nnspec.spec.activations import ACTIVATION_NAMES, ALIASES
from nnspec.spec.errors import ConversionError

# The registered name of Keras 2's hard sigmoid in a model the legacy reader builds.
KERAS2_HARD_SIGMOID = "nnspec>hard_sigmoid_keras2"


def layer_where(layer: Any) -> str:
    """How messages name a layer: ``layer 'conv1' (Conv2D)``."""
    return f"layer {layer.name!r} ({type(layer).__name__})"


def layer_refusal(
    layer: Any, why: str, *, attr: str | None = None, hint: str | None = None
) -> ConversionError:
    """``layer 'conv1' (Conv2D): why``, filed under the layer's name."""
    return refusal(layer_where(layer), why, node=layer.name, attr=attr, hint=hint)


def operation_where(op: Any) -> str:
    """How messages name a keras.ops call in the graph: ``operation 'add' (keras.ops Add)``."""
    return f"operation {op.name!r} (keras.ops {type(op).__name__})"


def operation_refusal(op: Any, why: str, *, hint: str | None = None) -> ConversionError:
    """``operation 'add' (keras.ops Add): why``, filed under the operation's name."""
    return refusal(operation_where(op), why, node=op.name, hint=hint)


def tensor_refs(ctx: Any) -> dict[int, str]:
    """id(input KerasTensor) -> spec reference, for the layer call being converted."""
    import keras

    flat = keras.tree.flatten((tuple(ctx.call_args), ctx.call_kwargs))
    tensors = [t for t in flat if isinstance(t, keras.KerasTensor)]
    return {id(t): r for t, r in zip(tensors, ctx.inputs)}


def activation_name(value: Any, ctx: Any, key: str = "activation") -> str:
    """A Keras activation config value as a spec activation name, or a clear refusal."""
    if isinstance(value, dict):  # serialized function: {"class_name": "function", "config": "relu"}
        value = value.get("config") if isinstance(value.get("config"), str) else value
    if value == KERAS2_HARD_SIGMOID:
        return "hard_sigmoid_keras2"  # registered by the legacy reader (legacy/build.py)
    if value is None:
        return "linear"
    if isinstance(value, str):
        name = ALIASES.get(value, value)
        if name in ACTIVATION_NAMES:
            return name
    fn = getattr(ctx.layer, key, None)
    if callable(fn) and not isinstance(fn, type):  # a registered function (keras-hub's gelu)
        from .trace import traced_activation

        traced = traced_activation(fn)
        if traced is not None:
            return traced
    raise layer_refusal(
        ctx.layer,
        f"activation {value!r} is not supported; known: {', '.join(ACTIVATION_NAMES)}",
        attr=key,
    )


def bias_params(ctx: Any, use_bias: bool) -> dict[str, Any]:
    w = ctx.weights()
    out = {"kernel": w["kernel"]}
    if use_bias:
        out["bias"] = w["bias"]
    return out


def require_channels_last(ctx: Any) -> None:
    """Refuse ``data_format="channels_first"`` where layers/channels_first.py does not give
    the layer a channels-last view (the spec is channels-last)."""
    if ctx.config.get("data_format") not in (None, "channels_last"):
        raise ctx.refuse(
            "data_format",
            "nnspec models are channels-last; rebuild the layer "
            "with data_format='channels_last' (the weights stay the same)",
        )
