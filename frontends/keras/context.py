"""What a layer converter sees (:class:`LayerCtx`): the layer, its config and weights, its
input refs, and the spec nodes it makes. Converters import this module, never the importer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from nnspec.frontends._errors import inexpressible, unsupported_setting

from ._common import layer_refusal, layer_where

if TYPE_CHECKING:
    from nnspec.spec.errors import ConversionError
    from nnspec.spec.node import Node

    from .importer import Importer

_FROM_CONFIG = object()


def read_variable(v: Any) -> np.ndarray:
    """A variable's value, read-only, without a copy where the backend allows it.

    TensorFlow hands out a view of the tensor it read, and copies on a later write to the
    variable while that view lives (copy on write), so the array keeps the value it had
    here however the Keras model changes afterwards; other backends give a copy."""
    tensor = getattr(v, "value", None)
    read = _tf_read(tensor)
    if read is None:
        read_value = getattr(tensor, "read_value", None)
        read = read_value() if read_value else None
    view = getattr(read, "_numpy", None)
    if view is None:
        return np.asarray(v.numpy())
    value = view()
    if not isinstance(value, np.ndarray):  # a 0-d tensor gives a NumPy scalar
        return np.asarray(value)
    value.flags.writeable = False  # the spec's weights, shared with nothing that writes
    return value


def _tf_read(tensor: Any) -> Any:
    """TensorFlow's ReadVariableOp on a resource variable: what ``read_value()`` runs, less
    the ``identity`` op it adds for device placement (half the eager op calls of reading a
    model's weights); None for anything else, or if the op cannot run here."""
    if not type(tensor).__module__.startswith("tensorflow"):
        return None
    import tensorflow as tf

    try:
        return tf.raw_ops.ReadVariableOp(resource=tensor.handle, dtype=tensor.dtype)
    except Exception:  # noqa: BLE001 (a variable kind without a plain handle: read_value)
        return None


class LayerCtx:
    """What a layer converter sees: the layer, its config and weights, and its input refs."""

    def __init__(
        self, importer: Importer, layer: Any, inputs: list[str], call_kwargs: dict[str, Any]
    ) -> None:
        self._importer = importer
        self.layer = layer
        self.config: dict[str, Any] = importer.config_of(layer)
        self.inputs = inputs
        self.call_kwargs = call_kwargs
        self.call_args: tuple = ()  # positional call arguments: tensors and constants
        self.in_shapes: list[tuple] = []
        self._nodes: list[Node] = []
        self.mask_nodes = 0  # mask nodes layers/runtime_masks.py has made for this call

    @property
    def name(self) -> str:
        return self._importer.node_name(self.layer)

    @property
    def trace_batch(self) -> int | None:
        """The batch size of the custom-layer trace this op is in (trace.py), if fixed."""
        return self._importer.trace_batch[-1] if self._importer.trace_batch else None

    def config_of(self, layer: Any) -> dict[str, Any]:
        """A sublayer's config (a cell, a wrapped layer), as ``self.config`` is the layer's."""
        return self._importer.config_of(layer)

    @property
    def graph_refs(self) -> dict[int, str]:
        """id(KerasTensor) -> spec reference for every tensor converted so far, not only this
        call's inputs (a mask is recomputed from the tensor upstream it compares)."""
        return self._importer.tensor_refs

    def mask_taken(self, tensor: Any) -> bool:
        """An attention layer has already taken the Keras mask off this tensor (Keras does so
        when it runs, so a later layer reading the same tensor sees no mask)."""
        return id(tensor) in self._importer.masks_cleared

    @property
    def mask_refs(self) -> dict[int, str]:
        """id(mask KerasTensor) -> its rebuilt spec reference (layers/runtime_masks.py)."""
        return self._importer.mask_refs

    def take_masks(self, *tensors: Any) -> None:
        """Record that this layer takes the Keras masks off these tensors."""
        self._importer.masks_cleared.update(id(t) for t in tensors if t is not None)

    def weights(self, layer: Any = None) -> dict[str, np.ndarray]:
        """Layer variables by their short name (``kernel``, ``bias``, ``moving_mean``...)."""
        layer = layer or self.layer
        return {v.path.split("/")[-1]: read_variable(v) for v in layer.weights}

    def node(
        self,
        cls: type[Node],
        *,
        suffix: str = "",
        inputs: list[str] | None = None,
        params: dict[str, np.ndarray] | None = None,
        unshared: bool = False,
        **attrs: Any,
    ) -> Node:
        """Create a spec node named after the layer; ``params`` are its canonical weights.
        A later call's node shares the first call's weights, unless ``unshared`` (a call
        that computes something else, as ReversibleEmbedding's reverse call)."""
        name = self.name + (f"_{suffix}" if suffix else "")
        owner = self._importer.first_call.get(id(self.layer))
        later = owner != self.name and not unshared
        shares = owner + (f"_{suffix}" if suffix else "") if later else None
        try:
            node = cls(
                name=name,
                inputs=inputs if inputs is not None else self.inputs,
                shares=shares,
                **attrs,
            )
        except ValidationError as e:  # an attribute value nnspec cannot express
            raise inexpressible(
                layer_where(self.layer), cls.tag(), e, node=self.layer.name
            ) from None
        for key, value in (params or {}).items() if shares is None else ():
            value = np.asarray(value)  # floats as float32; integer and bool weights kept
            if not (np.issubdtype(value.dtype, np.integer) or value.dtype == bool):
                value = value.astype(np.float32, copy=False)
            self._importer.params[f"{name}/{key}"] = value
        self._nodes.append(node)
        return node

    def variable(self, var: Any, rank: int) -> str:
        """A traced layer's variable read by an op: one trainable ``constant`` per variable
        (and rank; 0 keeps its own shape), named after the first op that reads it."""
        import keras

        from nnspec.spec.ops.constant import Constant

        key = (id(var), rank)
        if key not in self._importer.variables:
            arr = np.asarray(keras.ops.convert_to_numpy(var))
            arr = arr.reshape((1,) * (rank - arr.ndim) + arr.shape)
            node = self.node(
                Constant,
                suffix=var.name,
                inputs=[],
                params={"value": arr},
                shape=list(arr.shape),
                dtype=str(arr.dtype),
                trainable=bool(var.trainable),
                unshared=True,  # one node per variable already (the key above)
            )
            self._importer.variables[key] = node.name
        return self._importer.variables[key]

    def refuse(self, key: str, why: str = "", *, value: Any = _FROM_CONFIG) -> ConversionError:
        """``key=value is not supported (why)`` for this layer; ``value`` defaults to the
        layer config's."""
        value = self.config.get(key) if value is _FROM_CONFIG else value
        return unsupported_setting(layer_where(self.layer), key, value, why, node=self.layer.name)

    def fail(
        self, why: str, *, attr: str | None = None, hint: str | None = None
    ) -> ConversionError:
        """Any other refusal of this layer: ``layer 'x' (Class): why``."""
        return layer_refusal(self.layer, why, attr=attr, hint=hint)

    def require(self, key: str, *allowed: Any) -> None:
        """Refuse a config value nnspec does not model (naming the layer and the key)."""
        if self.config.get(key) not in allowed:
            raise self.refuse(key)
