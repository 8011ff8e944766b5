"""Reshape every axis but the batch, in the channels-last (row-major) element order.

A vector of channels given unit spatial axes (a squeeze-and-excitation block's
``Reshape((1, 1, C))`` before its 1x1 convolutions) is written channels-first directly,
``x.reshape(-1, C, 1, 1)``: the same elements in the same order, and no permute before the
convolution that reads it."""

from nnspec.spec.ops.reshape import Reshape

from ...codegen_common import literal
from ...contexts import TorchContext
from ..layout import CF, Choice, canonical
from ..registry import converter


def _unit_spatial(node: Reshape, types) -> bool:
    """A (batch, C) input given unit spatial axes: (1, ..., 1, C), rank >= 3 out."""
    *spatial, channels = node.target_shape
    return types[0].rank == 2 and len(spatial) >= 1 and set(spatial) == {1} and channels != -1


def _layout(node: Reshape, types, have) -> Choice:
    if _unit_spatial(node, types):
        return Choice(canonical(node, types, have).inputs, CF)
    return canonical(node, types, have)


@converter(Reshape, layout=_layout)
def reshape(node: Reshape, ctx: TorchContext) -> str:
    shape = list(node.target_shape)
    if ctx.out_layout == CF:
        shape = [shape[-1], *shape[:-1]]  # (C, 1, ..., 1): NCHW of the same elements
    target = ", ".join(literal(d) for d in shape)
    batch = f"{ctx.x}.shape[0]" if -1 in node.target_shape else "-1"
    return f"{ctx.x}.reshape({batch}, {target})"
