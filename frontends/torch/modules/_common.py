"""Helpers shared by the converters: weights as numpy, padding arithmetic, zero padding, one
layout for the inputs of an elementwise op."""

from __future__ import annotations

from typing import TYPE_CHECKING, overload

import numpy as np
import torch

from nnspec.spec.ops.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D
from nnspec.spec.types import same_padding

from ...contexts import TorchNodeContext
from ..values import identity

if TYPE_CHECKING:
    from ..values import Tensor

_ZERO_PADDING = {1: ZeroPadding1D, 2: ZeroPadding2D, 3: ZeroPadding3D}


@overload
def array(t: torch.Tensor) -> np.ndarray: ...
@overload
def array(t: None) -> None: ...
@overload
def array(t: torch.Tensor | None) -> np.ndarray | None: ...
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


def zero_pad(ctx: TorchNodeContext, ref: str, pads) -> str:
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


def common_layout(
    ctx: TorchNodeContext, xs: list[Tensor]
) -> tuple[list[str], tuple[int, ...], tuple[tuple[int, ...], tuple[int, ...]] | None]:
    """(refs, perm, flat): every input in one layout. Inputs flattened in the same spec order
    stay so (an elementwise op does not care in which order the features are)."""
    from ..broadcast import ranks_aligned

    xs = ranks_aligned(ctx, xs)
    ranks = {x.rank for x in xs}
    if len(ranks) > 1:
        raise ctx.refuse(
            "inputs of different ranks ("
            + ", ".join(str(x.shape) for x in xs)
            + ") are not supported; the spec broadcasts equal ranks only",
            hint="reshape the smaller input to the same rank first",
        )
    flats = {x.flat for x in xs}
    if len(flats) == 1 and None not in flats:
        return [x.ref for x in xs], xs[0].perm, xs[0].flat
    xs = [ctx.plain(x) for x in xs]
    perm = xs[0].perm
    if perm == identity(len(perm)):
        perm = next((x.perm for x in xs if x.perm != perm), perm)
    return [ctx.as_perm(x, perm) for x in xs], perm, None
