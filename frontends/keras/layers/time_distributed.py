"""TimeDistributed(layer) -> the layer's own node when it already works per step (an op
that reads only the channel axis, ``channel_axis_only``: Dense), else a ``time_distributed``
node wrapping the layer's node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from nnspec.frontends._errors import inexpressible, refusal
from nnspec.spec.ops.time_distributed import TimeDistributed, layer_attrs

from .._common import layer_where, tensor_refs
from ..context import LayerCtx
from ..registry import converter_for, from_layer, layer_key

if TYPE_CHECKING:
    from nnspec.spec.node import Node


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


@from_layer("TimeDistributed")
def time_distributed(layer: Any, ctx: LayerCtx) -> Node | str:
    inner = layer.layer
    where = f"{layer_where(layer)} around {inner.name!r} ({type(inner).__name__})"
    if ctx.call_kwargs.get("mask") is not None and inner._call_has_mask_arg:
        raise refusal(
            where,
            "a Keras mask into a layer that uses masks is not supported",
            node=layer.name,
            attr="layer",
        )
    x = ctx.call_args[0] if ctx.call_args else ctx.call_kwargs["inputs"]
    x_ref = tensor_refs(ctx)[id(x)]
    convert = converter_for(layer_key(inner))
    if convert is None:
        raise refusal(
            where, "nnspec has no converter for the wrapped layer", node=layer.name, attr="layer"
        )
    sub = _InnerCtx(ctx, inner, x_ref, tuple(x.shape))
    result = convert(inner, sub)
    if isinstance(result, str):  # an identity at inference (Dropout, ...)
        return x_ref
    if len(sub.created) != 1:
        raise refusal(
            where,
            f"the layer converts to {len(sub.created)} nodes; time_distributed wraps one",
            node=layer.name,
            attr="layer",
        )
    node, params = sub.created[0]
    if type(node).channel_axis_only:  # per step or not, the same (dense)
        return ctx.node(type(node), inputs=[x_ref], params=params, **node.attrs())
    return ctx.node(TimeDistributed, inputs=[x_ref], layer=layer_attrs(node), params=params)
