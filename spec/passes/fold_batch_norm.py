"""Fold an inference batch norm into the dense or convolution before it.

``y = gamma * (x - mean) / sqrt(var + epsilon) + beta`` over the last axis is an affine map
per output channel, so with ``x = in @ kernel + bias`` it folds into a new kernel and bias:
``kernel * s`` and ``(bias - mean) * s + beta`` with ``s = gamma / sqrt(var + epsilon)``.

Folded when the batch norm normalises the last axis, its input is the main output of a
node whose class sets ``folds_batch_norm`` (dense, conv1d/2d/3d) with a linear activation,
and the batch norm is that node's only reader. The folded node keeps its name (or takes the batch norm's when that was a
model output) and gets ``use_bias: true``.

A model without weights (initialiser-only) is returned unchanged: folding is arithmetic on
trained values, and a folded spec would not draw the same initial distribution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..checked import infer_types
from ._rewrite import Rewrite, Uses

if TYPE_CHECKING:
    import numpy as np

    from ..model import Model
    from ..node import Node

BATCH_NORM_OP = "batch_norm"


def fold_batch_norm(model: Model) -> Model:
    rewrite = Rewrite(model)
    if not model.params:
        return rewrite.apply()
    uses = Uses(model)
    types = infer_types(model)
    for bn in model.nodes:
        if bn.op != BATCH_NORM_OP or len(bn.inputs or ()) != 1:
            continue
        (source,) = bn.inputs or []
        if not _over_last_axis(bn, types[source].rank) or not uses.is_node(source):
            continue
        producer = uses.graph.nodes[source]["node"]
        if not _folds_into(producer) or uses.only_reader(source) is not bn:
            continue
        if uses.shares_weights(producer) or uses.shares_weights(bn):
            continue  # the other users of those weights still need them unfolded
        arrays = _folded(model.node_params(producer.id), model.node_params(bn.id), bn)
        if arrays is None or not rewrite.bypass(bn.id, source, uses):
            continue
        folded = producer.model_copy(deep=True)
        folded.use_bias = True
        rewrite.replaced[source] = folded
        rewrite.new_params[source] = arrays
    return rewrite.apply()


def _over_last_axis(bn: Node, rank: int) -> bool:
    axis = getattr(bn, "axis", -1)
    return isinstance(axis, int) and -rank <= axis < rank and axis % rank == rank - 1


def _folds_into(node: Node) -> bool:
    return type(node).folds_batch_norm and getattr(node, "activation", None) == "linear"


def _folded(
    layer: dict[str, np.ndarray], norm: dict[str, np.ndarray], bn: Node
) -> dict[str, np.ndarray] | None:
    """New kernel and bias, or None when a weight is missing (validation reports that)."""
    import numpy as np  # here, so that `nnspec validate` never loads numpy

    if "kernel" not in layer or "moving_mean" not in norm or "moving_variance" not in norm:
        return None
    kernel = layer["kernel"]
    channels = kernel.shape[-1]
    gamma = norm.get("gamma") if getattr(bn, "scale", True) else None
    beta = norm.get("beta") if getattr(bn, "center", True) else None
    gamma = np.ones(channels) if gamma is None else gamma.astype(np.float64)
    beta = np.zeros(channels) if beta is None else beta.astype(np.float64)
    bias = layer.get("bias", np.zeros(channels)).astype(np.float64)
    mean = norm["moving_mean"].astype(np.float64)
    var = norm["moving_variance"].astype(np.float64)
    s = gamma / np.sqrt(var + float(getattr(bn, "epsilon", 1e-3)))
    return {
        # The output channel is the kernel's last axis for dense and every conv.
        "kernel": (kernel.astype(np.float64) * s).astype(kernel.dtype),
        "bias": ((bias - mean) * s + beta).astype(kernel.dtype),
    }
