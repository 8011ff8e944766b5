"""nn.ConvTranspose1d/2d -> conv1d_transpose / conv2d_transpose ('same' when TensorFlow's
cropping equals PyTorch's padding, else 'valid' followed by a cropping node). With
``groups``: the channels split, one transposed convolution per group, concatenated."""

from __future__ import annotations

import numpy as np

from nnspec.spec.ops.conv_transpose import Conv1DTranspose, Conv2DTranspose, deconv_length
from nnspec.spec.ops.cropping import Cropping1D, Cropping2D
from nnspec.spec.ops.merge import Concatenate
from nnspec.spec.ops.shape_ops import Split

from ...contexts import TorchNodeContext
from ..registry import from_module
from ..values import channels_last
from ._common import array

_CLASSES = {1: Conv1DTranspose, 2: Conv2DTranspose}
_CROPPING = {1: Cropping1D, 2: Cropping2D}


def _same_output_padding(n, k, s, d, p, op):
    """An output_padding (None or an int) for which TensorFlow's 'same' transposed convolution
    crops exactly what PyTorch's padding ``p`` and ``output_padding`` ``op`` do, or False."""
    eff = (k - 1) * d + 1
    full = (n - 1) * s + eff
    want = full - 2 * p + op
    for cand in (None, *range(s)):
        length = deconv_length(n, k, s, "same", cand, d)
        if length != want:
            continue
        if cand == 0 and eff % 2 == 0:
            continue  # TensorFlow cannot compute that case (the spec refuses it)
        before = max(full - length, 0) // 2
        if before == p:
            return cand
    return False


@from_module("ConvTranspose1d", "ConvTranspose2d")
def conv_transpose(m, ctx: TorchNodeContext):
    rank = len(m.kernel_size)
    if m.padding_mode != "zeros":
        raise ctx.refuse(f"padding_mode={m.padding_mode!r} is not supported")
    x = ctx.input()
    if x.rank != rank + 2:
        raise ctx.refuse(f"input of shape {x.shape} has no batch axis")
    strides, dilation = tuple(m.stride), tuple(m.dilation)
    if max(strides) > 1 and max(dilation) > 1:
        raise ctx.refuse(
            f"stride={strides} with dilation={dilation} is not supported (Keras "
            "cannot combine them)"
        )
    ref = ctx.channels_last(x)
    w = array(m.weight)  # (in, out / groups, *kernel)
    bias = array(m.bias) if m.bias is not None else None
    if m.groups == 1:
        out = _transposed(m, ctx, x, ref, w, bias, "")
        return ctx.result(out, channels_last(x.rank))
    # groups: one transposed convolution per slice of the channels, concatenated
    g, cin, cout = m.groups, m.in_channels // m.groups, m.out_channels // m.groups
    parts = ctx.emit(Split, [ref], suffix="groups", sizes=[cin] * g, axis=-1)
    outs = [
        _transposed(
            m,
            ctx,
            x,
            f"{parts}:{i}" if i else parts,
            w[i * cin : (i + 1) * cin],
            None if bias is None else bias[i * cout : (i + 1) * cout],
            f"g{i}",
        )
        for i in range(g)
    ]
    out = ctx.emit(Concatenate, outs, axis=-1)
    return ctx.result(out, channels_last(x.rank))


def _transposed(m, ctx, x, ref: str, w, bias, group: str) -> str:
    """One transposed convolution (of one group) of ``ref``; returns the output ref."""
    rank = len(m.kernel_size)
    kernel, strides = tuple(m.kernel_size), tuple(m.stride)
    dilation, pads, ops = tuple(m.dilation), tuple(m.padding), tuple(m.output_padding)
    params = {"kernel": np.moveaxis(w, (0, 1), (-1, -2))}  # (*kernel, out, in)
    if bias is not None:
        params["bias"] = bias
    common = dict(
        filters=w.shape[1],
        kernel_size=kernel,
        strides=strides,
        dilation_rate=dilation,
        use_bias=bias is not None,
        params=params,
    )
    sizes = x.shape[2:]
    same = [
        _same_output_padding(n, k, s, d, p, op)
        for n, k, s, d, p, op in zip(sizes, kernel, strides, dilation, pads, ops)
    ]
    if any(p for p in pads) and all(c is not False for c in same):
        output_padding = (
            None
            if all(c is None for c in same)
            else tuple(c if c is not None else -1 for c in same)
        )
        if output_padding is not None and -1 in output_padding:
            output_padding = False  # mixing "absent" and explicit per axis: use 'valid'
        if output_padding is not False:
            return ctx.emit(
                _CLASSES[rank],
                [ref],
                suffix=group,
                padding="same",
                output_padding=output_padding,
                **common,
            )
    # 'valid' gives the full output (plus output_padding cells); crop PyTorch's padding.
    default = [
        max((k - 1) * d + 1, s) - ((k - 1) * d + 1) for k, s, d in zip(kernel, strides, dilation)
    ]
    output_padding = None if list(ops) == default else ops
    out = ctx.emit(
        _CLASSES[rank],
        [ref],
        padding="valid",
        output_padding=output_padding,
        suffix="_".join(filter(None, (group, "full" if any(pads) else ""))),
        **common,
    )
    if any(pads):
        out = ctx.emit(_CROPPING[rank], [out], suffix=group, cropping=[(p, p) for p in pads])
    return out
