"""Flatten. Of a channels-last tensor, PyTorch's row-major flatten gives Keras' element order;
of a channels-first one, the features come out in (C, H, W) order: the output is marked
``FlatCF`` and a dense layer reading it permutes its kernel rows instead (dense.py). Where
the spatial axes are all 1 (a classifier head's (N, C, 1, 1)) both orders are the same."""

from nnspec.spec.ops.flatten import Flatten

from ...contexts import TorchContext
from ..describe import Op
from ..layout import CF, CL, Choice, FlatCF, canonical
from ..registry import converter


def keeps_channels_first(node, types, have) -> Choice:
    shape = types[0].shape[1:]
    if have[0] == CF and set(shape[:-1]) == {1}:
        return Choice((CF,), CL)
    if have[0] == CF and all(isinstance(d, int) for d in shape):
        return Choice((CF,), FlatCF(tuple(shape)))
    return canonical(node, types, have)


@converter(Flatten, layout=keeps_channels_first)
def flatten(node: Flatten, ctx: TorchContext) -> Op | str:
    rank = ctx.in_types[0].rank
    if rank == 2:
        return ctx.x
    if rank == 1:
        return f"{ctx.x}.unsqueeze(1)"
    return f"{ctx.x}.flatten(1)"
