"""Layout and padding helpers shared by the PyTorch converters."""

from __future__ import annotations

import numpy as np

from nnspec.spec.types import TensorType, same_padding


def channels_first(x: str) -> str:
    """(N, ..., C) -> (N, C, ...): a view; PyTorch reads it as channels_last memory."""
    return f"{x}.movedim(-1, 1)"


def channels_last(x: str) -> str:
    return f"{x}.movedim(1, -1)"


def kernel_to_torch(kernel: np.ndarray) -> np.ndarray:
    """Conv kernel (*k, in, out) -> PyTorch (out, in, *k)."""
    n = kernel.ndim - 2
    return np.transpose(kernel, (n + 1, n, *range(n)))


def conv_padding(node, x: TensorType) -> tuple[tuple[int, ...], list[int] | None, bool]:
    """How to pad a window op as Keras does, given the spatial sizes.

    Returns (symmetric padding for the torch layer, explicit F.pad list or None, dynamic)
    where ``dynamic`` means the sizes are unknown and the ``same_pad`` helper must run.
    """
    kernel = getattr(node, "kernel_size", None) or node.pool_size
    strides = node.strides
    dilation = getattr(node, "dilation_rate", (1,) * len(kernel))
    n = len(kernel)
    if node.padding == "valid":
        return (0,) * n, None, False
    if node.padding == "causal":
        return (0,) * n, [(kernel[0] - 1) * dilation[0], 0], False
    pairs = []
    for size, k, s, d in zip(x.shape[1:-1], kernel, strides, dilation):
        if isinstance(size, int):
            pairs.append(same_padding(size, k, s, d))
        elif s == 1:
            total = (k - 1) * d
            pairs.append((total // 2, total - total // 2))
        else:
            return (0,) * n, None, True
    if all(a == b for a, b in pairs):
        return tuple(a for a, _ in pairs), None, False
    flat = [p for pair in reversed(pairs) for p in pair]  # F.pad wants the last axis first
    return (0,) * n, flat, False
