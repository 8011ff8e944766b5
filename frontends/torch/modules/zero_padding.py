"""nn.ZeroPad1d/2d/3d, nn.ConstantPad*d with value 0 and F.pad(mode="constant", value=0)
over spatial dims -> zero_padding."""

from __future__ import annotations

from ..registry import from_function, from_module
from ..values import channels_last
from ._common import zero_pad


def pad(ctx, x, amounts):
    """PyTorch's pad tuple (last dim first: left, right, top, bottom, ...)."""
    amounts = list(amounts)
    if len(amounts) % 2:
        raise ctx.refuse(f"padding {tuple(amounts)} has an odd number of entries")
    if any(a < 0 for a in amounts):
        raise ctx.refuse(f"negative padding {tuple(amounts)} (cropping) is not supported")
    rank = x.rank - 2
    pairs = [tuple(amounts[i : i + 2]) for i in range(0, len(amounts), 2)][::-1]  # first dim first
    if len(pairs) > rank or rank not in (1, 2, 3):
        raise ctx.refuse(
            f"pads {len(pairs)} dims of a {x.shape} tensor; only the spatial dims "
            "(after batch and channels) can be zero-padded"
        )
    pairs = [(0, 0)] * (rank - len(pairs)) + pairs
    ref = zero_pad(ctx, ctx.channels_last(x), pairs)
    return ctx.result(ref, channels_last(x.rank), nonneg=x.nonneg)


@from_module(
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d"
)
def zero_padding(m, ctx):
    if getattr(m, "value", 0) != 0:
        raise ctx.refuse(f"value={m.value} is not supported (the spec pads with zeros)")
    return pad(ctx, ctx.input(), m.padding)


@from_function("pad")
def pad_function(ctx):
    mode, value = ctx.arg(2, "mode", "constant"), ctx.arg(3, "value", None)
    if mode != "constant" or value not in (None, 0, 0.0):
        raise ctx.refuse(
            f"mode={mode!r}, value={value!r} is not supported (the spec pads with zeros only)"
        )
    return pad(ctx, ctx.input(), ctx.arg(1, "pad"))
