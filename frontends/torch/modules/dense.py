"""nn.Linear -> dense over the last axis."""

from __future__ import annotations

from nnspec.spec.ops.dense import Dense

from ...contexts import TorchNodeContext
from ..registry import from_module
from ..values import flat_order, move_to_end
from ._common import array


@from_module("Linear")
def linear(m, ctx: TorchNodeContext):
    x = ctx.input()
    kernel = array(m.weight).T  # (in, out)
    if x.flat is not None:
        # x was flattened in the spec's (channels-last) order: permute the kernel's rows
        # instead of the activations.
        kernel = kernel[flat_order(x.flat)]
        ref, perm = x.ref, x.perm
    else:
        perm = move_to_end(x.perm, x.rank - 1)
        ref = ctx.as_perm(x, perm)
    params = {"kernel": kernel}
    if m.bias is not None:
        params["bias"] = array(m.bias)
    out = ctx.emit(Dense, [ref], units=m.out_features, use_bias=m.bias is not None, params=params)
    return ctx.result(out, perm)
