"""runtime.py: the functions copied into generated modules are real, tested code."""

from __future__ import annotations

import ast

import pytest

torch = pytest.importorskip("torch")

from nnspec.backends.torch import runtime
from nnspec.backends.torch.codegen import runtime_functions


def test_copied_source_is_the_module_source():
    import inspect

    for name, source in runtime_functions().items():
        assert source == inspect.getsource(getattr(runtime, name)).rstrip("\n"), name
        ast.parse(source)


def test_same_pad_matches_tensorflow_same():
    x = torch.ones(1, 1, 7, 6)
    y = runtime.same_pad(x, (3, 4), (2, 2), (1, 1))
    # H 7, k 3, s 2 -> total 2 (1, 1); W 6, k 4, s 2 -> total 2 (1, 1)
    assert y.shape == (1, 1, 9, 8)
    assert y[0, 0, 0].sum() == 0 and y[0, 0, 1, 1:-1].sum() == 6


def test_dropout_helpers_are_identities_unless_training():
    x = torch.randn(64, 5, 8)
    for fn, args in (
        (runtime.shaped_dropout, (0.5, [None, 1, 8])),
        (runtime.keras_gaussian_noise, (0.3,)),
        (runtime.keras_gaussian_dropout, (0.3,)),
        (runtime.keras_alpha_dropout, (0.3, None)),
    ):
        assert fn(x, *args, False) is x
        assert not torch.equal(fn(x, *args, True), x)


def test_dropout_shares_the_mask_along_noise_shape_ones():
    torch.manual_seed(0)
    y = runtime.shaped_dropout(torch.ones(16, 5, 8), 0.5, [None, 1, 8], True)
    assert torch.equal(y, y[:, :1].expand_as(y))  # one mask for every time step
    assert set(y.unique().tolist()) <= {0.0, 2.0}


def test_alpha_dropout_keeps_mean_and_variance():
    torch.manual_seed(0)
    x = torch.randn(200_000)
    y = runtime.keras_alpha_dropout(x, 0.2, None, True)
    assert abs(y.mean().item()) < 0.02 and abs(y.var().item() - 1) < 0.03


def test_conv_lstm_last_output_is_the_last_step_and_the_state():
    torch.manual_seed(0)
    x_proj = torch.randn(2, 4, 12, 5, 5)  # (N, T, 4 * filters, H, W)
    conv = torch.nn.Conv2d(3, 12, 3, padding=1, bias=False)
    seq, (h, c) = runtime.conv_lstm(x_proj, conv, torch.tanh, torch.sigmoid)
    last, (_, c2) = runtime.conv_lstm(x_proj, conv, torch.tanh, torch.sigmoid, sequences=False)
    assert seq.shape == (2, 4, 3, 5, 5) and c.shape == (2, 3, 5, 5)
    assert torch.equal(seq[:, -1], h) and torch.equal(last, h) and torch.equal(c2, c)
    # one step from given states: the LSTM cell of the gate blocks i, f, c, o
    h0, c0 = torch.randn(2, 3, 5, 5), torch.randn(2, 3, 5, 5)
    one, (_, c1) = runtime.conv_lstm(x_proj[:, :1], conv, torch.tanh, torch.sigmoid, (h0, c0))
    i, f, g, o = (x_proj[:, 0] + conv(h0)).chunk(4, dim=1)
    want_c = f.sigmoid() * c0 + i.sigmoid() * g.tanh()
    assert torch.allclose(c1, want_c) and torch.allclose(one[:, 0], o.sigmoid() * want_c.tanh())
