"""Helpers shared by the Keras layer converters."""

from __future__ import annotations

from nnspec.spec.activations import ACTIVATION_NAMES, ALIASES
from nnspec.spec.errors import ConversionError

# The registered name of Keras 2's hard sigmoid in a model the legacy reader builds.
KERAS2_HARD_SIGMOID = "nnspec>hard_sigmoid_keras2"


def activation_name(value, ctx, key: str = "activation") -> str:
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

        name = traced_activation(fn)
        if name is not None:
            return name
    raise ConversionError(
        f"layer {ctx.layer.name!r} ({type(ctx.layer).__name__}): activation {value!r} is not "
        f"supported; known: {', '.join(ACTIVATION_NAMES)}",
        node=ctx.layer.name,
        attr=key,
    )


def bias_params(ctx, use_bias: bool) -> dict:
    w = ctx.weights()
    out = {"kernel": w["kernel"]}
    if use_bias:
        out["bias"] = w["bias"]
    return out


def require_channels_last(ctx) -> None:
    """Refuse ``data_format="channels_first"``: the spec is channels-last, and TensorFlow
    cannot run most channels-first layers on the CPU."""
    if ctx.config.get("data_format") not in (None, "channels_last"):
        raise ctx.refuse(
            "data_format",
            "nnspec models are channels-last; rebuild the layer "
            "with data_format='channels_last' (the weights stay the same)",
        )
