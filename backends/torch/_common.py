"""Weight layout helpers shared by the PyTorch converters."""

from __future__ import annotations

import numpy as np


def kernel_to_torch(kernel: np.ndarray) -> np.ndarray:
    """Conv kernel (*k, in, out) -> PyTorch (out, in, *k)."""
    n = kernel.ndim - 2
    return np.transpose(kernel, (n + 1, n, *range(n)))
