"""``c_order``, the copy of every transposed weight into PyTorch's layout, moves values and
nothing else: bit for bit NumPy's own copy, for every permutation, block edge and dtype."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nnspec.backends.torch import _common
from nnspec.backends.torch._common import c_order, kernel_to_torch


def _bits(shape, dtype=np.float32, seed=0) -> np.ndarray:
    """Arbitrary bit patterns (NaNs, infinities, negative zeros, subnormals included)."""
    dtype = np.dtype(dtype)
    raw = np.random.default_rng(seed).integers(0, 256, (*shape, dtype.itemsize), np.uint8)
    return raw.view(dtype).reshape(shape)


def _same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.flags.c_contiguous
    assert got.shape == want.shape and got.dtype == want.dtype
    assert got.tobytes() == np.ascontiguousarray(want).tobytes()


@pytest.mark.parametrize("shape", [(3, 5, 130, 70), (1, 1, 200, 129), (2, 3, 1, 65), (7, 1, 4, 3)])
def test_every_permutation_of_a_kernel(shape, monkeypatch):
    monkeypatch.setattr(_common, "_TEMP_BYTES", 4096)  # several output-row blocks
    a = _bits(shape)
    for perm in itertools.permutations(range(a.ndim)):
        view = a.transpose(perm)
        got = c_order(view)
        _same(got, view)
        assert got is view if view.flags.c_contiguous else not np.shares_memory(got, a)


@pytest.mark.parametrize("shape", [(3, 3, 64, 128), (7, 7, 3, 64), (1, 1, 1024, 256), (5, 100)])
def test_conv_and_dense_layouts(shape):
    a = _bits(shape, seed=1)
    view = kernel_to_torch(a) if a.ndim > 2 else a.T
    _same(c_order(view), view)


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int8, np.int64, np.bool_])
def test_other_dtypes(dtype):
    a = _bits((3, 4, 70, 66), dtype) if dtype is not np.bool_ else _bits((3, 4, 70, 66)) > 0
    view = kernel_to_torch(a)
    _same(c_order(view), view)


def test_what_is_no_permutation_is_copied_as_numpy_does():
    a = _bits((6, 140, 9))
    for view in (a[:, ::2], a[::-1], a.T[::3], np.broadcast_to(a[:1], a.shape), a[:, :0].T):
        _same(c_order(view), view)


def test_c_order_arrays_are_returned_as_they_are():
    a = _bits((4, 5))
    assert c_order(a) is a
    zero_d = np.asarray(np.float32(2.5))
    assert c_order(zero_d) is zero_d and c_order(zero_d).shape == ()
