"""TimeDistributed(layer) -> the layer's own node when it already works per step (Dense),
else a ``time_distributed`` node wrapping the layer's node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from nnspec.frontends._errors import inexpressible, refusal
from nnspec.spec.ops.time_distributed import TimeDistributed, layer_attrs

from .._common import layer_where
from ..context import LayerCtx
from ..registry import converter_for, from_layer, layer_key
from .masking import tensor_refs

if TYPE_CHECKING:
    from nnspec.spec.errors import ConversionError

# Ops that act on the last axis only, so they need no time_distributed wrapper.
_PER_STEP = ("dense",)


class _InnerCtx(LayerCtx):
    """The wrapped layer's converter context: the outer node's name, the folded (N*T, ...)
    input shape, and the node it creates captured instead of added to the model."""

    def __init__(self, outer: LayerCtx, layer, x_ref: str, shape: tuple):
        super().__init__(outer._importer, layer, [x_ref], {})
        self._outer = outer
        self.in_shapes = [(None, *shape[2:])]
        self.created: list[tuple] = []

    @property
    def name(self) -> str:
        return self._outer.name

    def node(self, cls, *, suffix="", inputs=None, params=None, **attrs):
        try:
            node = cls(name=self.name, inputs=self.inputs, **attrs)
        except ValidationError as e:  # an attribute nnspec cannot express
            where = f"{layer_where(self.layer)} in {self._outer.layer.name!r}"
            raise inexpressible(where, cls.tag(), e, node=self._outer.layer.name) from None
        self.created.append((node, params or {}))
        return node


def _wrapped_refusal(ctx: LayerCtx, inner: Any, why: str) -> ConversionError:
    """``layer 'td' (TimeDistributed) around 'dense' (Dense): why``."""
    where = f"{layer_where(ctx.layer)} around {inner.name!r} ({type(inner).__name__})"
    return refusal(where, why, node=ctx.layer.name, attr="layer")


@from_layer("TimeDistributed")
def time_distributed(layer, ctx):
    inner = layer.layer
    if ctx.call_kwargs.get("mask") is not None and inner._call_has_mask_arg:
        raise _wrapped_refusal(
            ctx, inner, "a Keras mask into a layer that uses masks is not supported"
        )
    x = ctx.call_args[0] if ctx.call_args else ctx.call_kwargs["inputs"]
    x_ref = tensor_refs(ctx)[id(x)]
    convert = converter_for(layer_key(inner))
    if convert is None:
        raise _wrapped_refusal(ctx, inner, "nnspec has no converter for the wrapped layer")
    sub = _InnerCtx(ctx, inner, x_ref, tuple(x.shape))
    result = convert(inner, sub)
    if isinstance(result, str):  # an identity at inference (Dropout, ...)
        return x_ref
    if len(sub.created) != 1:
        raise _wrapped_refusal(
            ctx,
            inner,
            f"the layer converts to {len(sub.created)} nodes; time_distributed wraps one",
        )
    node, params = sub.created[0]
    if node.op in _PER_STEP:
        return ctx.node(type(node), inputs=[x_ref], params=params, **node.attrs())
    return ctx.node(TimeDistributed, inputs=[x_ref], layer=layer_attrs(node), params=params)
