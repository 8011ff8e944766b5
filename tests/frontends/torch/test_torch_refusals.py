"""What the PyTorch frontend refuses, and that each refusal names the module and the reason."""

from __future__ import annotations

import numpy as np
import pytest

import nnspec
from nnspec import ConversionError

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional


class DataDependent(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        if x.sum() > 0:  # control flow on a tensor value
            return self.fc(x)
        return x


class Gate(nn.Module):
    def forward(self, x):
        for row in x:  # iterating over a traced tensor
            x = x + row
        return x


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 4), Gate())

    def forward(self, x):
        return self.body(x)


class WithParameter(nn.Module):
    def __init__(self):
        super().__init__()
        self.offset = nn.Parameter(torch.ones(4))

    def forward(self, x):
        return x + self.offset


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)
        self.pool = nn.LPPool1d(2, 2)

    def forward(self, x):
        y = self.block(x, x)
        return self.pool(y)


class Cummax(nn.Module):
    def forward(self, x):
        return torch.cummax(x, 1)[0]


def _refused(module, *inputs, match, **kw):
    with pytest.raises(ConversionError, match=match) as info:
        nnspec.from_torch(module.eval(), inputs if len(inputs) > 1 else inputs[0], **kw)
    return str(info.value)


def test_data_dependent_control_flow():
    msg = _refused(DataDependent(), torch.randn(2, 4), match="data-dependent control flow")
    assert "DataDependent" in msg and "hint" in msg


def test_control_flow_names_the_submodule():
    msg = _refused(Outer(), torch.randn(2, 4), match="cannot trace Outer")
    assert "'body.1' (Gate)" in msg


def test_unsupported_modules_are_all_listed():
    msg = _refused(Unsupported(), torch.randn(2, 6, 8), match="2 unsupported operation")
    assert "'block' (nn.TransformerDecoderLayer): its forward takes fused fast paths" in msg
    assert "'pool' (nn.LPPool1d): the spec has no power-average pooling" in msg


def test_unsupported_function():
    msg = _refused(Cummax(), torch.randn(2, 4), match="unsupported")
    assert "function torch.cummax (node 'cummax'): no converter" in msg


def test_parameter_used_in_forward_is_a_constant():
    spec = nnspec.from_torch(WithParameter(), torch.randn(2, 4))
    assert [n.op for n in spec.nodes] == ["constant", "add"]
    assert spec.nodes[0].name == "offset" and spec.nodes[0].trainable


@pytest.mark.parametrize(
    "module, shape, match",
    [
        pytest.param(
            nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"),
            (2, 3, 6, 6),
            "padding_mode='reflect'",
            id="conv_reflect_padding",
        ),
        pytest.param(
            nn.Conv2d(3, 4, 3, stride=2, dilation=2),
            (2, 3, 9, 9),
            "cannot combine strides and dilation",
            id="conv_stride_and_dilation",
        ),
        pytest.param(
            nn.ConvTranspose2d(4, 4, 3, stride=2, dilation=2),
            (2, 4, 5, 5),
            "with dilation",
            id="conv_transpose_stride_and_dilation",
        ),
        pytest.param(
            nn.MaxPool2d(3, 2, 1),
            (2, 3, 8, 8),
            "not TensorFlow's 'same' padding",
            id="max_pool_padding_of_signed_values",
        ),
        pytest.param(nn.MaxPool2d(2, dilation=2), (2, 3, 8, 8), "dilation", id="max_pool_dilation"),
        pytest.param(
            nn.AvgPool2d(2, divisor_override=3),
            (2, 3, 8, 8),
            "divisor_override",
            id="avg_pool_divisor_override",
        ),
        pytest.param(
            nn.AvgPool2d(3, 2, 1, count_include_pad=False),
            (2, 3, 8, 8),
            "padding left out of the average",
            id="avg_pool_uncounted_padding",
        ),
        pytest.param(
            nn.AdaptiveAvgPool1d(3), (2, 3, 8), "unequal sizes", id="adaptive_pool_uneven_1d"
        ),
        pytest.param(
            nn.BatchNorm2d(3, track_running_stats=False),
            (2, 3, 4, 4),
            "track_running_stats",
            id="batch_norm_batch_statistics",
        ),
        pytest.param(nn.Softmax(), (2, 5), "dim=None", id="softmax_implicit_dim"),
        pytest.param(nn.CELU(0.5), (2, 5), "alpha=0.5", id="celu_alpha"),
        pytest.param(
            nn.LSTM(4, 5, proj_size=2, batch_first=True),
            (2, 6, 4),
            "proj_size",
            id="lstm_projection",
        ),
        pytest.param(nn.LSTM(4, 5), (2, 6, 4), "batch", id="lstm_time_major_input"),
        pytest.param(
            nn.Upsample(scale_factor=2, mode="trilinear"),
            (2, 3, 4, 4, 4),
            "trilinear",
            id="upsample_trilinear",
        ),
        pytest.param(nn.Flatten(0), (2, 3, 4), "batch", id="flatten_batch"),
    ],
)
def test_unsupported_options(module, shape, match):
    msg = _refused(module, torch.randn(*shape), match=match)
    assert "module ''" in msg or "unsupported" in msg or "(nn." in msg


def test_embedding_max_norm():
    """max_norm renormalises the weight rows in place on every call: refused as a change of
    the module's own parameter."""
    _refused(
        nn.Embedding(10, 3, max_norm=1.0),
        torch.randint(0, 10, (2, 4)),
        match=r"'embedding' \(nn.Embedding\) changes .*embedding.weight in place",
    )


def test_recurrent_state_output_must_be_indexed():
    class States(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(4, 3, batch_first=True)

        def forward(self, x):
            return self.rnn(x)[1]  # h_n: (layers, N, H), batch not first

    _refused(States(), torch.randn(2, 5, 4), match="h_n")


def test_bad_example_inputs():
    _refused(nn.Linear(4, 2), torch.randn(2, 4), torch.randn(2, 4), match="takes 1 input")
    _refused(Cummax(), torch.randn(2, 4), torch.randn(2, 4), match="takes 1 input")
    _refused(nn.Linear(4, 2), torch.randn(2, 5), match="failed on the example inputs")
    _refused(nn.Linear(4, 2), torch.randn(2, 4).double(), match="dtype")
    with pytest.raises(ConversionError, match="tensor or a tuple"):
        nnspec.from_torch(nn.Linear(4, 2), np.zeros((2, 4), np.float32))
    with pytest.raises(ConversionError, match="input_layout"):
        nnspec.from_torch(nn.Linear(4, 2), torch.randn(2, 4), input_layout="NCHW")
    with pytest.raises(ConversionError, match="batch_dim"):
        nnspec.from_torch(nn.Linear(4, 2), torch.randn(2, 4), batch_dim=(1, 0))
    with pytest.raises(ConversionError, match="batch_dim 3"):
        nnspec.from_torch(nn.Linear(4, 2), torch.randn(2, 4), batch_dim=3)


def test_module_state_is_kept():
    """Conversion runs the module in eval mode without touching its running statistics."""
    bn = nn.BatchNorm1d(4).train()
    before = bn.running_mean.clone()
    nnspec.from_torch(bn, torch.randn(3, 4) + 5)
    assert bn.training
    assert torch.equal(bn.running_mean, before)
