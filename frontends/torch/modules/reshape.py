"""view / reshape / squeeze / unsqueeze / nn.Unflatten -> reshape (or flatten, or nothing).

The target shape is the one PyTorch produced on the example inputs, so
``x.view(x.size(0), -1)`` needs no evaluation of its arguments; _reshaping.py says how each
case keeps the element order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...contexts import TorchNodeContext
from ..registry import from_function, from_module
from ..values import Stack
from ._reshaping import reshape_to

if TYPE_CHECKING:
    import torch

    from ..values import Tensor


@from_function("view", "reshape", "squeeze", "unsqueeze", "view_as", "reshape_as")
def reshape(ctx: TorchNodeContext) -> Tensor | None:
    x = ctx.arg(0, "input")
    if isinstance(x, Stack) and ctx.op == "squeeze" and len(x.items) == 1:
        return x.items[0]  # h_n.squeeze(0) of a one-layer, one-direction recurrent layer
    return reshape_to(ctx, ctx.tensor(x), ctx.out_shape())


@from_module("Unflatten")
def unflatten(m: torch.nn.Unflatten, ctx: TorchNodeContext) -> Tensor:
    return reshape_to(ctx, ctx.input(), ctx.out_shape())


@from_function("unflatten")
def unflatten_function(ctx: TorchNodeContext) -> Tensor:
    return reshape_to(ctx, ctx.input(), ctx.out_shape())
