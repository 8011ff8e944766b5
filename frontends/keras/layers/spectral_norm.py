"""Keras SpectralNormalization(layer) -> the wrapped layer's own node. At inference the
wrapper calls its layer with the kernel as stored: each training step writes the normalised
kernel (kernel / sigma) into the layer's variable, so that stored kernel is what the model
computes with. ``vector_u``, the power iteration's state, only serves the next training step
and is not carried (the converted model has that many fewer parameters)."""

from __future__ import annotations

from ..context import LayerCtx
from ..registry import converter_for, from_layer, layer_key


class _WrappedCtx(LayerCtx):
    """The wrapped layer's converter context: the wrapper's inputs, name and node list."""

    def __init__(self, outer: LayerCtx, inner):
        super().__init__(outer._importer, inner, outer.inputs, outer.call_kwargs)
        self.in_shapes, self.call_args = outer.in_shapes, outer.call_args
        self._outer = outer
        self._nodes = outer._nodes
        first = outer._importer.first_call
        first[id(inner)] = first[id(outer.layer)]  # a shared wrapper shares the inner weights

    @property
    def name(self) -> str:
        return self._outer.name


@from_layer("SpectralNormalization")
def spectral_norm(layer, ctx):
    inner = layer.layer
    convert = converter_for(layer_key(inner))
    if convert is None:
        raise ctx.fail(
            f"around {inner.name!r} ({type(inner).__name__}): nnspec has no converter for "
            "the wrapped layer",
            attr="layer",
        )
    return convert(inner, _WrappedCtx(ctx, inner))
