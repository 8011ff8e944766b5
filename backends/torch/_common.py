"""Weight layout helpers shared by the PyTorch converters."""

from __future__ import annotations

import numpy as np

# c_order's blocks: 64 source rows (a 2D transpose reading them writes whole cache lines
# and its reads stay in the L1 cache), and at most ~1 MiB of output rows per temporary.
_ROWS = 64
_TEMP_BYTES = 1 << 20


def kernel_to_torch(kernel: np.ndarray) -> np.ndarray:
    """Conv kernel (*k, in, out) -> PyTorch (out, in, *k)."""
    n = kernel.ndim - 2
    return np.transpose(kernel, (n + 1, n, *range(n)))


def c_order(a: np.ndarray) -> np.ndarray:
    """``a`` in C order: ``a`` itself if it is, else a copy with the same values (bit for
    bit: the copy only moves them).

    Most of a model's weight bytes are transposed views (a conv kernel's (*k, in, out) read
    as (out, in, *k), a dense kernel's ``.T``) whose first axis is the innermost in memory.
    NumPy copies those along the output's short last axis, reading one element per cache
    line (0.7 GB/s); here a blocked 2D transpose that reads whole lines, then, per block of
    output rows, the rest of the permutation (2-3x faster; no temporary above ~1 MiB)."""
    if a.flags.c_contiguous:
        return a
    rest = tuple(range(1, a.ndim))
    if a.ndim < 2 or a.strides[0] != a.itemsize or 0 in a.shape:
        return np.ascontiguousarray(a)
    # the memory order of the other axes (strides descending): a[i] is ``base`` permuted
    order = sorted(rest, key=lambda k: -a.strides[k])
    base = a.transpose(*order, 0)  # axis 0, the innermost in memory, last
    if not base.flags.c_contiguous:  # a strided slice, not a permutation: NumPy's copy
        return np.ascontiguousarray(a)
    rows = base.reshape(-1, a.shape[0])  # (everything else, axis 0): one 2D transpose
    n, m = rows.shape
    out = np.empty(a.shape, a.dtype)
    flat = out.reshape(m, n)
    if [k for k in order if a.shape[k] > 1] == [k for k in rest if a.shape[k] > 1]:
        # the 2D transpose is the whole permutation (a dense or 1x1 kernel): straight in
        _transpose_into(flat, rows)
        return out
    back = tuple(1 + order.index(k) for k in rest)  # block (b, *order) -> (b, *rest)
    step = max(_ROWS, _TEMP_BYTES // (n * a.itemsize))
    for r in range(0, m, step):
        block = np.empty((min(step, m - r), n), a.dtype)
        _transpose_into(block, rows[:, r : r + step])
        out[r : r + step] = block.reshape(-1, *(a.shape[k] for k in order)).transpose(0, *back)
    return out


def _transpose_into(dst: np.ndarray, src: np.ndarray) -> None:
    """``dst[:] = src.T`` for a (m, n) ``dst``, ``_ROWS`` source rows at a time."""
    for i in range(0, src.shape[0], _ROWS):
        dst[:, i : i + _ROWS] = src[i : i + _ROWS].T
