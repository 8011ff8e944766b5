"""Reshape every axis but the batch, in the channels-last (row-major) element order.

Where the spatial axes are all 1, channels-first and channels-last hold the same elements
in the same order, so no permute is needed: a vector of channels given unit spatial axes (a
squeeze-and-excitation block's ``Reshape((1, 1, C))`` before its 1x1 convolutions) is
written channels-first, ``x.reshape(-1, C, 1, 1)``, and an NCHW (N, C, 1, 1) tensor (a
classifier head's 1x1 convolution) is reshaped as it is."""

from nnspec.spec.ops.reshape import Reshape

from ...codegen_common import literal
from ...contexts import TorchContext
from ..layout import CF, CL, Choice, canonical
from ..registry import converter


def _unit_spatial(node: Reshape, types) -> bool:
    """A (batch, C) input given unit spatial axes: (1, ..., 1, C), rank >= 3 out."""
    *spatial, channels = node.target_shape
    return types[0].rank == 2 and len(spatial) >= 1 and set(spatial) == {1} and channels != -1


def _layout(node: Reshape, types, have) -> Choice:
    if _unit_spatial(node, types):
        return Choice((CL,), CF)
    if have[0] == CF and set(types[0].shape[1:-1]) == {1}:
        return Choice((CF,), CL)
    return canonical(node, types, have)


@converter(Reshape, layout=_layout)
def reshape(node: Reshape, ctx: TorchContext) -> str:
    shape = list(node.target_shape)
    if ctx.out_layout == CF:
        shape = [shape[-1], *shape[:-1]]  # (C, 1, ..., 1): NCHW of the same elements
    target = ", ".join(literal(d) for d in shape)
    batch = f"{ctx.x}.shape[0]" if -1 in node.target_shape else "-1"
    return f"{ctx.x}.reshape({batch}, {target})"
