"""MaxPool/AvgPool 1-3d (modules and functions) -> max_pool / avg_pool, with zero_padding in
front where PyTorch's padding is not TensorFlow's 'same'.

PyTorch pads max pooling with -inf and counts an average pool's padding in its divisor when
``count_include_pad`` (cells beyond the padding, added by ``ceil_mode``, are never counted).
TensorFlow's 'same' never counts its padding. So: padding that PyTorch counts becomes a
zero_padding node; padding it does not count must be exactly TensorFlow's 'same' padding for
this input size, except for max pooling of values known to be >= 0 (after a ReLU), where a
zero cell never wins.
"""

from __future__ import annotations

from nnspec.spec.ops.pooling import (
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
)
from nnspec.spec.types import same_padding

from ...contexts import TorchNodeContext
from ..registry import from_function, from_module
from ..values import channels_last
from ._common import ntuple, zero_pad

_POOL = {
    ("max", 1): MaxPool1D,
    ("max", 2): MaxPool2D,
    ("max", 3): MaxPool3D,
    ("avg", 1): AvgPool1D,
    ("avg", 2): AvgPool2D,
    ("avg", 3): AvgPool3D,
}


def pool(ctx: TorchNodeContext, x, kind, kernel, strides, pads, *, count_include_pad=True):
    """Pool ``x`` (N, C, *spatial) as PyTorch does with symmetric ``pads`` (and whatever
    ceil_mode added: read from the example run's output size)."""
    rank = len(kernel)
    if x.rank != rank + 2:
        raise ctx.refuse(f"input of shape {x.shape} has no batch axis (expected rank {rank + 2})")
    sizes, outs = x.shape[2:], ctx.out_shape()[2:]
    counted, uncounted = [], []
    for n, k, s, (p, _), o in zip(sizes, kernel, strides, pads, outs):
        after = max((o - 1) * s + k - n - p, 0)  # what the last window reaches past the input
        if kind == "avg" and count_include_pad:
            counted.append((p, min(after, p)))
            uncounted.append((0, after - min(after, p)))
        else:
            counted.append((0, 0))
            uncounted.append((p, after))
    ref = ctx.channels_last(x)
    if any(c != (0, 0) for c in counted):
        ref = zero_pad(ctx, ref, counted)
        sizes = [n + a + b for n, (a, b) in zip(sizes, counted)]
    padding = "valid"
    if any(u != (0, 0) for u in uncounted):
        same = [same_padding(n, k, s) for n, k, s in zip(sizes, kernel, strides)]
        if uncounted == same:
            padding = "same"
        elif kind == "max" and x.nonneg:
            ref = zero_pad(ctx, ref, uncounted)
        else:
            if kind == "max":
                what = "-inf padding of max pooling"
                hint = (
                    "max pooling of values >= 0 (after a ReLU) pads with zeros exactly; or "
                    "use an input size where both paddings agree"
                )
            else:
                what = "padding left out of the average"
                hint = (
                    "use count_include_pad=True, ceil_mode=False, or an input size where "
                    "both paddings agree"
                )
            raise ctx.refuse(
                f"the {what} is {uncounted} (before, after) per axis for input "
                f"{tuple(x.shape[2:])}, which is not TensorFlow's 'same' padding {same}",
                hint=hint,
            )
    strides = None if tuple(strides) == tuple(kernel) else tuple(strides)  # the spec's default
    out = ctx.emit(
        _POOL[kind, rank], [ref], pool_size=tuple(kernel), strides=strides, padding=padding
    )
    return ctx.result(out, channels_last(x.rank), nonneg=x.nonneg)


def _max(ctx: TorchNodeContext, x, kernel, stride, padding, dilation, ceil_mode, return_indices):
    rank = x.rank - 2
    kernel = ntuple(kernel, rank)
    stride = ntuple(stride if stride not in (None, ()) else kernel, rank)
    if any(d != 1 for d in ntuple(dilation, rank)):
        raise ctx.refuse(
            f"dilation={dilation} is not supported (the spec's pooling has no dilation)"
        )
    if return_indices:
        raise ctx.refuse("return_indices=True is not supported")
    pads = [(p, p) for p in ntuple(padding, rank)]
    return pool(ctx, x, "max", kernel, stride, pads)


def _avg(
    ctx: TorchNodeContext,
    x,
    kernel,
    stride,
    padding,
    ceil_mode,
    count_include_pad,
    divisor_override,
):
    rank = x.rank - 2
    kernel = ntuple(kernel, rank)
    stride = ntuple(stride if stride not in (None, ()) else kernel, rank)
    if divisor_override is not None:
        raise ctx.refuse(f"divisor_override={divisor_override} is not supported")
    pads = [(p, p) for p in ntuple(padding, rank)]
    return pool(ctx, x, "avg", kernel, stride, pads, count_include_pad=count_include_pad)


@from_module("MaxPool1d", "MaxPool2d", "MaxPool3d")
def max_pool(m, ctx: TorchNodeContext):
    return _max(
        ctx,
        ctx.input(),
        m.kernel_size,
        m.stride,
        m.padding,
        m.dilation,
        m.ceil_mode,
        m.return_indices,
    )


@from_module("AvgPool1d", "AvgPool2d", "AvgPool3d")
def avg_pool(m, ctx: TorchNodeContext):
    return _avg(
        ctx,
        ctx.input(),
        m.kernel_size,
        m.stride,
        m.padding,
        m.ceil_mode,
        m.count_include_pad,
        getattr(m, "divisor_override", None),
    )


@from_function("max_pool1d", "max_pool2d", "max_pool3d")
def max_pool_function(ctx: TorchNodeContext):
    a = ctx.arg
    return _max(
        ctx,
        ctx.input(),
        a(1, "kernel_size"),
        a(2, "stride", None),
        a(3, "padding", 0),
        a(4, "dilation", 1),
        a(5, "ceil_mode", False),
        a(6, "return_indices", False),
    )


@from_function("avg_pool1d", "avg_pool2d", "avg_pool3d")
def avg_pool_function(ctx: TorchNodeContext):
    a = ctx.arg
    return _avg(
        ctx,
        ctx.input(),
        a(1, "kernel_size"),
        a(2, "stride", None),
        a(3, "padding", 0),
        a(4, "ceil_mode", False),
        a(5, "count_include_pad", True),
        a(6, "divisor_override", None),
    )
