"""nn.Flatten, torch.flatten and x.flatten -> flatten (from dim 1), else reshape (see
_reshaping.py for the channel-order trap and the Linear-row permutation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...contexts import TorchNodeContext
from ..registry import from_function, from_module
from ._reshaping import flatten_from_1, reshape_to

if TYPE_CHECKING:
    import torch

    from ..values import Tensor


def _flatten(ctx: TorchNodeContext, start: int, end: int) -> Tensor:
    x = ctx.input()
    if x.rank >= 2 and x.dim(start) == 1 and x.dim(end) == x.rank - 1:
        return flatten_from_1(ctx, x)
    return reshape_to(ctx, x, ctx.out_shape())


@from_module("Flatten")
def flatten(m: torch.nn.Flatten, ctx: TorchNodeContext) -> Tensor:
    return _flatten(ctx, m.start_dim, m.end_dim)


@from_function("flatten")
def flatten_function(ctx: TorchNodeContext) -> Any:
    return _flatten(ctx, ctx.arg(1, "start_dim", 0), ctx.arg(2, "end_dim", -1))
