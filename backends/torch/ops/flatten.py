"""Flatten: the tensor is channels-last already, so PyTorch's row-major flatten gives Keras'
element order and the next dense kernel needs no permutation."""

from nnspec.spec.ops.flatten import Flatten

from ..registry import converter


@converter(Flatten)
def flatten(node: Flatten, ctx) -> str:
    rank = ctx.in_types[0].rank
    if rank == 2:
        return ctx.x
    if rank == 1:
        return f"{ctx.x}.unsqueeze(1)"
    return f"{ctx.x}.flatten(1)"
