"""nn.Conv1d/2d/3d -> conv1d/2d/3d, or depthwise_conv1d/2d when groups == in_channels."""

from __future__ import annotations

import numpy as np

from nnspec.spec.ops.conv import Conv1D, Conv2D, Conv3D
from nnspec.spec.ops.depthwise_conv import DepthwiseConv1D, DepthwiseConv2D

from ...contexts import TorchNodeContext
from ..registry import from_module
from ..values import channels_last
from ._common import array, spec_padding, torch_pads, zero_pad

_CONV = {1: Conv1D, 2: Conv2D, 3: Conv3D}
_DEPTHWISE = {1: DepthwiseConv1D, 2: DepthwiseConv2D}


@from_module("Conv1d", "Conv2d", "Conv3d")
def conv(m, ctx: TorchNodeContext):
    rank = len(m.kernel_size)
    if m.padding_mode != "zeros":
        raise ctx.refuse(
            f"padding_mode={m.padding_mode!r} is not supported (the spec pads with zeros only)"
        )
    x = ctx.input()
    if x.rank != rank + 2:
        raise ctx.refuse(
            f"input of shape {x.shape} has no batch axis (expected rank {rank + 2})",
            hint="add the batch axis: x.unsqueeze(0)",
        )
    kernel, strides, dilation = tuple(m.kernel_size), tuple(m.stride), tuple(m.dilation)
    if max(strides) > 1 and max(dilation) > 1:
        raise ctx.refuse(
            f"stride={strides} with dilation={dilation} is not supported (Keras "
            "cannot combine strides and dilation above 1)"
        )
    pads = torch_pads(m.padding, kernel, dilation)
    if x.padded is not None and all(p == (0, 0) for p in pads):
        # F.pad then a 'valid' convolution: one 'same' convolution when that is the padding
        source, pairs = x.padded[0], dict(x.padded[1])
        if set(pairs) <= set(range(2, rank + 2)):
            merged = [pairs.get(d, (0, 0)) for d in range(2, rank + 2)]
            same = spec_padding(merged, source.shape[2:], kernel, strides, dilation)
            if same == ("same", None):
                x, pads = source, merged
    ref = ctx.channels_last(x)
    padding, explicit = spec_padding(pads, x.shape[2:], kernel, strides, dilation)
    if explicit:
        ref = zero_pad(ctx, ref, explicit)
    w = array(m.weight)  # (out, in / groups, *kernel)
    params = {} if m.bias is None else {"bias": array(m.bias)}
    common = dict(
        kernel_size=kernel,
        strides=strides,
        dilation_rate=dilation,
        padding=padding,
        use_bias=m.bias is not None,
    )
    if m.groups > 1 and m.groups == m.in_channels and rank in _DEPTHWISE:
        multiplier = m.out_channels // m.in_channels
        # output channel c * multiplier + j reads input channel c with filter j
        w = w.reshape(m.in_channels, multiplier, *kernel)
        params["kernel"] = np.moveaxis(w, (0, 1), (-2, -1))  # (*kernel, C, multiplier)
        out = ctx.emit(
            _DEPTHWISE[rank], [ref], depth_multiplier=multiplier, params=params, **common
        )
    else:
        params["kernel"] = np.moveaxis(w, (0, 1), (-1, -2))  # (*kernel, in / groups, out)
        out = ctx.emit(
            _CONV[rank], [ref], filters=m.out_channels, groups=m.groups, params=params, **common
        )
    return ctx.result(out, channels_last(rank + 2))
