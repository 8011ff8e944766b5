"""nn.ZeroPad1d/2d/3d, nn.ConstantPad*d with value 0 and F.pad(mode="constant", value=0)
over spatial dims -> zero_padding."""

from __future__ import annotations

from ...contexts import TorchNodeContext
from ..registry import from_function, from_module
from ._common import perm_with_last_free, zero_pad


def pad(ctx: TorchNodeContext, x, amounts):
    """PyTorch's pad tuple (last dim first: left, right, top, bottom, ...)."""
    amounts = list(amounts)
    if len(amounts) % 2 or len(amounts) > 2 * x.rank:
        raise ctx.refuse(f"padding {tuple(amounts)} does not fit a {x.shape} tensor")
    if any(a < 0 for a in amounts):
        raise ctx.refuse(f"negative padding {tuple(amounts)} (cropping) is not supported")
    pairs = {
        x.rank - 1 - k: (amounts[2 * k], amounts[2 * k + 1])
        for k in range(len(amounts) // 2)
        if (amounts[2 * k], amounts[2 * k + 1]) != (0, 0)
    }
    if not pairs:
        return x
    x = ctx.plain(x)
    perm = perm_with_last_free(x, pairs)
    if x.perm[0] in pairs or perm is None or not 1 <= x.rank - 2 <= 3:
        raise ctx.refuse(
            f"pads dims {sorted(pairs)} of a {x.shape} tensor; the spec zero-pads 1 to 3 axes "
            "between the batch and the last axis"
        )
    ref = zero_pad(ctx, ctx.as_perm(x, perm), [pairs.get(p, (0, 0)) for p in perm[1:-1]])
    return ctx.result(ref, perm, nonneg=x.nonneg, padded=(x, tuple(sorted(pairs.items()))))


@from_module(
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d"
)
def zero_padding(m, ctx: TorchNodeContext):
    if getattr(m, "value", 0) != 0:
        from .tensor_shape import pad_modes

        return pad_modes(ctx, ctx.input(), m.padding, "constant", m.value)
    return pad(ctx, ctx.input(), m.padding)


@from_function("pad")
def pad_function(ctx: TorchNodeContext):
    mode, value = ctx.arg(2, "mode", "constant"), ctx.arg(3, "value", None)
    if mode != "constant" or value not in (None, 0, 0.0):
        from .tensor_shape import pad_modes

        return pad_modes(ctx, ctx.input(), ctx.arg(1, "pad"), mode, value)
    return pad(ctx, ctx.input(), ctx.arg(1, "pad"))
