"""Helpers shared by the converters: weights as numpy, padding arithmetic, zero padding."""

from __future__ import annotations

import numpy as np
import torch

from nnspec.spec.ops.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from nnspec.spec.types import same_padding

_ZERO_PADDING = {1: ZeroPadding1D, 2: ZeroPadding2D, 3: ZeroPadding3D}


def array(t: torch.Tensor | None) -> np.ndarray | None:
    """A parameter or buffer as a float32 numpy array (a copy)."""
    if t is None:
        return None
    return t.detach().to("cpu", torch.float32).numpy().copy()


def ntuple(v, n: int) -> tuple[int, ...]:
    if isinstance(v, int):
        return (v,) * n
    v = tuple(v)
    return v * n if len(v) == 1 and n > 1 else v


def torch_pads(padding, kernel, dilation) -> list[tuple[int, int]]:
    """PyTorch's padding (int, tuple, 'valid' or 'same') as (before, after) per axis.
    'same' (stride 1 only in PyTorch) puts the odd extra cell after, as TensorFlow does."""
    n = len(kernel)
    if padding == "valid":
        return [(0, 0)] * n
    if padding == "same":
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            out.append((total // 2, total - total // 2))
        return out
    return [(p, p) for p in ntuple(padding, n)]


def spec_padding(pads, sizes, kernel, strides, dilation=None):
    """('valid' | 'same', explicit pads or None): 'same' when TensorFlow's same padding is
    exactly ``pads`` for these input sizes; otherwise 'valid' after explicit zero padding."""
    dilation = dilation or (1,) * len(kernel)
    if all(p == (0, 0) for p in pads):
        return "valid", None
    same = [same_padding(n, k, s, d) for n, k, s, d in zip(sizes, kernel, strides, dilation)]
    if [tuple(p) for p in pads] == same:
        return "same", None
    return "valid", [tuple(p) for p in pads]


def zero_pad(ctx, ref: str, pads) -> str:
    """A zero_padding node in front of ``ref`` (a channels-last spec tensor)."""
    cls = _ZERO_PADDING[len(pads)]
    return ctx.emit(cls, [ref], suffix="pad", padding=[list(p) for p in pads])


def perm_with_last_free(x, dims) -> tuple[int, ...] | None:
    """A layout of ``x`` where PyTorch ``dims`` sit on the spec's spatial axes (neither first
    nor last), preferring the current one, then channels-last; None if every non-batch dim is
    in ``dims``."""
    from ..values import channels_last, move_to_end

    if x.perm[-1] not in dims:
        return x.perm
    cl = channels_last(x.rank)
    if x.perm[0] == 0 and cl[-1] not in dims:
        return cl
    free = [d for d in x.perm[1:] if d not in dims]
    return move_to_end(x.perm, free[-1]) if free else None
