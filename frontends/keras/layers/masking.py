"""Keras masks -> the spec's explicit mask sources (spec/ops/masking.py).

Keras records the mask of a ``Masking`` layer as ``any(not_equal(x, value), axis=-1)`` and that
of an ``Embedding(mask_zero=True)`` as ``not_equal(ids, 0)``: two keras.ops operations in the
functional graph, whose result reaches the layers that use it as their ``mask`` argument. The
converters here let those operations pass their input through (so a consumer's mask input
refers to the mask *source*), after checking that nothing but a mask consumer reads them; a
consumer then calls :func:`mask_source` to get the source reference and ``mask_value``.
"""

from __future__ import annotations

import keras

from nnspec.frontends._errors import refusal
from nnspec.spec.ops.masking import Masking

from ...contexts import KerasLayerContext
from .._common import operation_refusal, operation_where
from ..registry import custom_class_reason, from_layer, layer_key

# Layers whose converters read a Keras mask (from their `mask` call argument). A mask reaching
# any other layer is refused rather than silently dropped.
MASK_CONSUMERS = {"LSTM", "GRU", "SimpleRNN", "RNN", "Bidirectional", "TimeDistributed"} | {
    "GlobalAveragePooling1D",  # masked.py
    "Softmax",
    "BatchNormalization",
}


def _produced_by(tensor, op) -> bool:
    history = getattr(tensor, "_keras_history", None)
    return history is not None and history.operation is op


def _check_mask_use(op, ctx: KerasLayerContext) -> None:
    """Refuse unless every reader of ``op``'s output takes it as a mask (or is the ops.Any
    of a Masking layer's mask)."""
    readers = list(op._outbound_nodes)
    if not readers:
        raise operation_refusal(
            op,
            "only masks (from Masking or Embedding with mask_zero) are supported, and this "
            "result is not used as one",
        )
    for node in readers:
        reader = node.operation
        key = layer_key(reader)
        if key == "ops.Any" and layer_key(op) == "ops.NotEqual":
            _check_mask_use(reader, ctx)
            continue
        as_mask = [
            k
            for k, v in node.arguments.kwargs.items()
            if k.endswith("mask") and any(_produced_by(t, op) for t in keras.tree.flatten(v))
        ]
        if not as_mask:
            raise operation_refusal(
                op,
                f"feeds layer {reader.name!r} ({key}) as data; nnspec supports keras.ops "
                "comparisons only as the masks Keras computes itself",
            )
        if key not in MASK_CONSUMERS:
            raise _consumer_refusal(reader, key)


def _consumer_refusal(reader, key: str):
    return refusal(
        f"layer {reader.name!r} ({key})",
        "receives a Keras mask (from Masking or Embedding(mask_zero=True)), which "
        "nnspec supports for recurrent layers, GlobalAveragePooling1D, Softmax and "
        "BatchNormalization only",
        node=reader.name,
        attr="mask",
        hint="remove the mask (mask_zero=False / no Masking layer) before this layer, "
        "if the padded steps may count",
    )


def _read_as_mask(node, op) -> bool:
    """A stock layer takes ``op``'s result as its Keras mask (a custom layer's ``mask`` is
    an ordinary input of its traced call)."""
    return custom_class_reason(node.operation) is None and any(
        k.endswith("mask") and any(_produced_by(t, op) for t in keras.tree.flatten(v))
        for k, v in node.arguments.kwargs.items()
    )


def _is_data(op) -> bool:
    """Something reads ``op``'s result as a tensor (not only as a Keras mask): it is then an
    ordinary tensor op, and its mask readers find the compared tensor through
    :func:`mask_source`."""
    for node in op._outbound_nodes:
        if layer_key(node.operation) == "ops.Any" and layer_key(op) == "ops.NotEqual":
            if _is_data(node.operation) or not node.operation._outbound_nodes:
                return True
            continue
        if not _read_as_mask(node, op):
            return True
    return not op._outbound_nodes


def _check_mask_readers(op) -> None:
    """Every stock layer reading ``op``'s result as a mask is one nnspec applies it in."""
    for node in op._outbound_nodes:
        key = layer_key(node.operation)
        if key == "ops.Any" and layer_key(op) == "ops.NotEqual":
            _check_mask_readers(node.operation)
        elif _read_as_mask(node, op) and key not in MASK_CONSUMERS:
            raise _consumer_refusal(node.operation, key)


@from_layer("ops.NotEqual")
def mask_not_equal(op, ctx: KerasLayerContext):
    if _is_data(op):
        from .tensor_ops import binary_node

        _check_mask_readers(op)
        return binary_node(op, ctx, "not_equal")
    args = ctx.call_args
    if len(args) != 2 or not isinstance(args[1], int | float) or isinstance(args[1], bool):
        raise operation_refusal(op, "only a comparison with a number (a mask) is supported")
    _check_mask_use(op, ctx)
    return ctx.inputs[0]  # consumers take the compared tensor as their mask source


@from_layer("ops.Any")
def mask_any(op, ctx: KerasLayerContext):
    if _is_data(op):
        from .tensor_ops import reduce_node

        _check_mask_readers(op)
        return reduce_node(op, ctx)
    _check_mask_use(op, ctx)
    return ctx.inputs[0]


@from_layer("Masking")
def masking(layer, ctx: KerasLayerContext):
    value = ctx.config["mask_value"]
    if not isinstance(value, int | float):
        raise ctx.refuse("mask_value", "only a number is supported")
    return ctx.node(Masking, mask_value=float(value))


def mask_source(ctx: KerasLayerContext, mask, refs: dict[int, str]) -> tuple[str, float]:
    """(mask source reference, mask_value) for a layer's Keras mask argument."""
    op = mask._keras_history.operation
    key = layer_key(op)
    ref = refs[id(mask)]
    graph = ctx.graph_refs  # the compared tensor (the mask op may be a real node, _is_data)
    if key == "ops.Any":
        inner = op._inbound_nodes[0].arguments.args[0]
        rank = len(inner.shape)
        if (
            layer_key(inner._keras_history.operation) == "ops.NotEqual"
            and not op.keepdims
            and op.axis is not None
            and [a % rank for a in op.axis] == [rank - 1]
            and rank == 3
        ):
            source, value = inner._keras_history.operation._inbound_nodes[0].arguments.args
            return graph[id(source)], float(value)
    elif key == "ops.NotEqual":
        source, value = op._inbound_nodes[0].arguments.args
        if len(source.shape) == 2:
            return graph[id(source)], float(value)
    elif mask.dtype == "bool" and len(mask.shape) == 2:
        return ref, 0.0  # a boolean (batch, time) tensor is the mask itself
    raise ctx.fail(
        f"its mask comes from {operation_where(op)}, not from a Masking layer, an Embedding "
        "with mask_zero or a boolean (batch, time) tensor",
        attr="mask",
    )
