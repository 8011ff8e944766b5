"""PyTorch -> spec -> Keras and PyTorch -> spec -> PyTorch, one small model per supported
module or function, with the outputs and parameter counts of the original module."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec

torch = pytest.importorskip("torch")
pytest.importorskip("keras")
F = torch.nn.functional
nn = torch.nn

sys.path.insert(0, str(Path(__file__).parent))
from torch_models import KimCNN, TinyUNet, randomize_batch_norm


class Fn(nn.Module):
    """``forward(x) = fn(self, x)``, with the given submodules."""

    def __init__(self, fn, **modules):
        super().__init__()
        self.fn = fn
        for name, m in modules.items():
            setattr(self, name, m)

    def forward(self, x):
        return self.fn(self, x)


class Fn2(Fn):
    def forward(self, x, y):
        return self.fn(self, x, y)


@dataclass
class Case:
    make: object  # () -> nn.Module
    inputs: list = field(default_factory=lambda: [(2, 3, 8, 8)])
    ids: int | None = None  # integer inputs in [0, ids)
    param_diff: int = 0  # PyTorch count - spec count (LSTM/RNN double biases)
    scale: float = 1.0  # input scale


def seq(*mods):
    return lambda: nn.Sequential(*mods)


def fn(f, **mods):
    return lambda: Fn(f, **mods)


def conv(cin=3, cout=4):
    return nn.Conv2d(cin, cout, 3, padding=1)


CASES = {
    # dense
    "linear": Case(seq(nn.Linear(6, 4)), [(2, 6)]),
    "linear_nobias_rank3": Case(seq(nn.Linear(6, 4, bias=False)), [(2, 5, 6)]),
    "linear_over_width_of_feature_map": Case(seq(nn.Conv2d(3, 4, 1), nn.Linear(8, 3))),
    # convolutions
    "conv1d_pad1": Case(seq(nn.Conv1d(3, 4, 3, padding=1)), [(2, 3, 10)]),
    "conv1d_same_dilated": Case(seq(nn.Conv1d(3, 4, 3, padding="same", dilation=2)), [(2, 3, 10)]),
    "conv1d_stride_groups": Case(
        seq(nn.Conv1d(4, 6, 4, stride=3, padding=2, groups=2)), [(2, 4, 11)]
    ),
    "conv2d_valid": Case(seq(nn.Conv2d(3, 5, 3)), [(2, 3, 8, 9)]),
    "conv2d_same_even_kernel": Case(seq(nn.Conv2d(3, 4, 4, padding="same")), [(2, 3, 7, 8)]),
    "conv2d_stride2_pad1": Case(seq(nn.Conv2d(3, 4, 3, stride=2, padding=1)), [(2, 3, 9, 8)]),
    "conv2d_stride2_pad1_same": Case(seq(nn.Conv2d(3, 4, 3, stride=2, padding=1)), [(2, 3, 9, 9)]),
    "conv2d_asymmetric": Case(seq(nn.Conv2d(3, 4, (3, 5), padding=(0, 2), dilation=(2, 1)))),
    "conv2d_grouped": Case(seq(nn.Conv2d(4, 6, 3, groups=2, padding=1)), [(2, 4, 6, 6)]),
    "conv2d_depthwise": Case(
        seq(nn.Conv2d(4, 4, 3, groups=4, padding=1, stride=2)), [(2, 4, 7, 7)]
    ),
    "conv2d_depthwise_multiplier": Case(seq(nn.Conv2d(3, 6, 3, groups=3, bias=False))),
    "conv3d": Case(
        seq(nn.Conv3d(2, 3, (2, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))), [(2, 2, 4, 7, 6)]
    ),
    "conv_transpose2d": Case(seq(nn.ConvTranspose2d(3, 4, 3)), [(2, 3, 5, 5)]),
    "conv_transpose2d_k4_s2_p1": Case(
        seq(nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1)), [(2, 3, 4, 5)]
    ),
    "conv_transpose2d_output_padding": Case(
        seq(nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)), [(2, 3, 4, 4)]
    ),
    "conv_transpose2d_crop": Case(
        seq(nn.ConvTranspose2d(3, 2, 5, stride=2, padding=1)), [(2, 3, 4, 4)]
    ),
    "conv_transpose1d_output_padding": Case(
        seq(nn.ConvTranspose1d(4, 3, 3, stride=3, output_padding=2, bias=False)), [(2, 4, 5)]
    ),
    "conv_transpose1d_dilated": Case(
        seq(nn.ConvTranspose1d(2, 3, 3, dilation=2, padding=2)), [(2, 2, 6)]
    ),
    # normalisation
    "batch_norm1d_features": Case(seq(nn.BatchNorm1d(6)), [(2, 6)]),
    "batch_norm1d_sequence": Case(seq(nn.BatchNorm1d(4)), [(2, 4, 7)]),
    "batch_norm2d_after_conv": Case(seq(conv(), nn.BatchNorm2d(4))),
    "batch_norm2d_on_input": Case(seq(nn.BatchNorm2d(3))),
    "batch_norm2d_no_affine": Case(seq(conv(), nn.BatchNorm2d(4, affine=False))),
    "batch_norm3d": Case(seq(nn.Conv3d(2, 3, 1), nn.BatchNorm3d(3)), [(2, 2, 3, 4, 4)]),
    "layer_norm_last": Case(seq(nn.LayerNorm(8)), [(2, 5, 8)]),
    "layer_norm_chw": Case(seq(nn.Conv2d(3, 4, 1), nn.LayerNorm([4, 5, 6])), [(2, 3, 5, 6)]),
    "layer_norm_no_bias": Case(seq(nn.LayerNorm(8, bias=False, eps=1e-6)), [(2, 8)]),
    "group_norm": Case(seq(nn.Conv2d(3, 6, 1), nn.GroupNorm(3, 6))),
    "group_norm_instance_on_input": Case(seq(nn.GroupNorm(4, 4, affine=False)), [(2, 4, 5, 5)]),
    # identities
    "dropout": Case(seq(nn.Linear(6, 4), nn.Dropout(0.5)), [(2, 6)]),
    "dropout2d": Case(seq(conv(), nn.Dropout2d(0.2))),
    "alpha_dropout": Case(seq(nn.AlphaDropout(0.1)), [(2, 6)]),
    "identity": Case(seq(nn.Identity(), nn.Linear(6, 2)), [(2, 6)]),
    "functional_dropout": Case(fn(lambda s, x: F.dropout(x, 0.3, s.training)), [(2, 6)]),
    # activations (modules)
    **{
        f"module_{type(m).__name__.lower()}": Case(seq(m), [(2, 3, 5)], scale=3.0)
        for m in (
            nn.ReLU(),
            nn.ReLU6(),
            nn.LeakyReLU(0.2),
            nn.PReLU(),
            nn.ELU(0.7),
            nn.CELU(),
            nn.SELU(),
            nn.GELU(),
            nn.SiLU(),
            nn.Mish(),
            nn.Hardswish(),
            nn.Hardsigmoid(),
            nn.Sigmoid(),
            nn.Tanh(),
            nn.Softsign(),
            nn.Softplus(),
        )
    },
    "module_gelu_tanh": Case(seq(nn.GELU(approximate="tanh")), [(2, 3, 5)], scale=3.0),
    "module_hardtanh_0_4": Case(seq(nn.Hardtanh(0.0, 4.0)), [(2, 3, 5)], scale=3.0),
    "module_prelu_channels": Case(seq(conv(), nn.PReLU(4))),
    "module_softmax_channels": Case(seq(conv(), nn.Softmax(dim=1))),
    "module_log_softmax_dim1": Case(seq(nn.LogSoftmax(dim=1)), [(2, 3, 5)]),
    "module_log_softmax_last": Case(seq(nn.Linear(6, 4), nn.LogSoftmax(dim=-1)), [(2, 6)]),
    # activations (functions and methods)
    "f_relu": Case(fn(lambda s, x: F.relu(x)), [(2, 6)]),
    "torch_relu": Case(fn(lambda s, x: torch.relu(x)), [(2, 6)]),
    "method_relu": Case(fn(lambda s, x: x.relu()), [(2, 6)]),
    "f_gelu_tanh": Case(fn(lambda s, x: F.gelu(x, approximate="tanh")), [(2, 6)]),
    "f_leaky_relu": Case(fn(lambda s, x: F.leaky_relu(x, 0.1)), [(2, 6)]),
    "f_elu": Case(fn(lambda s, x: F.elu(x, alpha=0.5)), [(2, 6)]),
    "f_softmax": Case(fn(lambda s, x: F.softmax(x, dim=-1)), [(2, 3, 6)]),
    "f_relu6": Case(fn(lambda s, x: F.relu6(x)), [(2, 6)], scale=5.0),
    "f_hardtanh_relu6": Case(fn(lambda s, x: F.hardtanh(x, 0.0, 6.0)), [(2, 6)], scale=5.0),
    "clamp_relu6": Case(fn(lambda s, x: torch.clamp(x, 0, 6)), [(2, 6)], scale=5.0),
    "clamp_min": Case(fn(lambda s, x: x.clamp(min=0.0, max=2.5)), [(2, 6)], scale=5.0),
    "method_sigmoid": Case(fn(lambda s, x: x.sigmoid() * torch.tanh(x)), [(2, 6)]),
    "torch_exp": Case(fn(lambda s, x: torch.exp(x)), [(2, 6)]),
    "hand_written_hardswish": Case(
        fn(lambda s, x: x * F.relu6(x + 3.0) / 6.0), [(2, 6)], scale=4.0
    ),
    # pooling
    "max_pool2d": Case(seq(nn.MaxPool2d(2))),
    "max_pool2d_pad_same": Case(seq(nn.MaxPool2d(3, 2, 1)), [(2, 3, 9, 9)]),
    "max_pool2d_pad_after_relu": Case(seq(nn.ReLU(), nn.MaxPool2d(3, 2, 1))),
    "max_pool2d_ceil_after_relu": Case(
        seq(nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True)), [(2, 3, 7, 7)]
    ),
    "max_pool1d": Case(seq(nn.MaxPool1d(3, 2)), [(2, 3, 10)]),
    "max_pool3d": Case(seq(nn.MaxPool3d(2)), [(2, 2, 4, 4, 4)]),
    "avg_pool2d": Case(seq(nn.AvgPool2d(2))),
    "avg_pool2d_pad_counted": Case(seq(nn.AvgPool2d(3, 2, 1))),
    "avg_pool2d_pad_not_counted": Case(
        seq(nn.AvgPool2d(3, 2, 1, count_include_pad=False)), [(2, 3, 9, 9)]
    ),
    "avg_pool2d_ceil": Case(seq(nn.AvgPool2d(2, ceil_mode=True)), [(2, 3, 7, 7)]),
    "avg_pool1d": Case(seq(nn.AvgPool1d(3, 1, 1)), [(2, 3, 7)]),
    "avg_pool3d": Case(seq(nn.AvgPool3d(2)), [(2, 2, 4, 4, 4)]),
    "f_max_pool2d": Case(fn(lambda s, x: F.max_pool2d(x, 2))),
    "f_avg_pool2d": Case(fn(lambda s, x: F.avg_pool2d(x, 3, 1, 1))),
    "adaptive_avg_pool2d_1": Case(seq(conv(), nn.AdaptiveAvgPool2d(1), nn.Flatten())),
    "adaptive_avg_pool2d_2": Case(seq(nn.AdaptiveAvgPool2d(2))),
    "adaptive_max_pool1d_1": Case(seq(nn.AdaptiveMaxPool1d(1)), [(2, 3, 9)]),
    "f_adaptive_avg_pool2d": Case(fn(lambda s, x: F.adaptive_avg_pool2d(x, (1, 1)))),
    "mean_spatial": Case(fn(lambda s, x: s.c(x).mean((2, 3)), c=conv())),
    "mean_keepdim": Case(fn(lambda s, x: x.mean(dim=[-1, -2], keepdim=True))),
    "mean_over_time": Case(fn(lambda s, x: torch.mean(x, 1)), [(2, 7, 4)]),
    # flatten, reshape, permute, indexing
    "flatten_linear": Case(seq(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 5))),
    "flatten_dropout_relu_linear": Case(
        seq(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Dropout(), nn.ReLU(), nn.Linear(144, 5))
    ),
    "flatten_batch_norm1d_linear": Case(
        seq(nn.Conv2d(3, 2, 3), nn.Flatten(), nn.BatchNorm1d(72), nn.Linear(72, 3))
    ),
    "flatten_output": Case(seq(nn.Conv2d(3, 4, 3), nn.Flatten())),
    "view_size_linear": Case(
        fn(lambda s, x: s.fc(s.c(x).view(x.size(0), -1)), c=nn.Conv2d(3, 2, 3), fc=nn.Linear(72, 3))
    ),
    "flatten_spatial": Case(fn(lambda s, x: torch.flatten(s.c(x), 2), c=conv())),
    "view_general": Case(fn(lambda s, x: s.c(x).view(x.size(0), 2, -1, 4), c=conv())),
    "squeeze_pooled": Case(
        fn(lambda s, x: s.p(s.c(x)).squeeze(-1).squeeze(-1), c=conv(), p=nn.AdaptiveAvgPool2d(1))
    ),
    "squeeze_excite": Case(
        fn(
            lambda s, x: s.c(x) * torch.sigmoid(s.fc(s.c(x).mean((2, 3)))).view(x.size(0), 4, 1, 1),
            c=conv(),
            fc=nn.Linear(4, 4),
        )
    ),
    "permute_conv1d_over_sequence": Case(
        fn(
            lambda s, x: s.fc(s.c(x.permute(0, 2, 1)).transpose(1, 2)),
            c=nn.Conv1d(4, 6, 3, padding=1),
            fc=nn.Linear(6, 2),
        ),
        [(2, 7, 4)],
    ),
    "slice_spatial": Case(fn(lambda s, x: s.c(x)[:, :, 1:4, 2:], c=conv())),
    "slice_features": Case(fn(lambda s, x: s.fc(x)[:, 2:5], fc=nn.Linear(6, 8)), [(2, 6)]),
    "index_channel": Case(fn(lambda s, x: s.c(x)[:, 1], c=conv())),
    "unsqueeze_new_axis": Case(fn(lambda s, x: s.fc(x).unsqueeze(1), fc=nn.Linear(6, 3)), [(2, 6)]),
    # merging
    "residual_add": Case(fn(lambda s, x: x + s.c(x), c=conv(3, 3))),
    "subtract": Case(fn(lambda s, x: s.c(x) - x, c=conv(3, 3))),
    "multiply": Case(fn(lambda s, x: torch.mul(s.c(x), x), c=conv(3, 3))),
    "cat_channels": Case(
        fn(lambda s, x: torch.cat([s.a(x), s.b(x)], dim=1), a=conv(3, 2), b=conv(3, 5))
    ),
    "cat_input_and_conv": Case(fn(lambda s, x: torch.cat((x, s.a(x)), 1), a=conv(3, 2))),
    "cat_sequence_features": Case(
        fn(lambda s, x: torch.cat([x, s.fc(x)], dim=-1), fc=nn.Linear(4, 3)), [(2, 5, 4)]
    ),
    "scalar_arithmetic": Case(fn(lambda s, x: (1.0 - x) * 2 + x / 4 - 3)),
    "negate_maximum": Case(fn(lambda s, x: torch.maximum(-x, s.c(x)), c=conv(3, 3))),
    "two_inputs": Case(
        lambda: Fn2(lambda s, x, y: s.fc(x) + y, fc=nn.Linear(6, 3)), [(2, 6), (2, 3)]
    ),
    # padding and resizing
    "zero_pad2d": Case(seq(nn.ZeroPad2d((1, 2, 0, 1)), nn.Conv2d(3, 2, 3))),
    "constant_pad2d_zero": Case(seq(nn.ConstantPad2d(1, 0.0))),
    "f_pad1d": Case(fn(lambda s, x: F.pad(x, (1, 2))), [(2, 3, 6)]),
    "upsample_nearest": Case(seq(nn.Upsample(scale_factor=2))),
    "upsample_bilinear": Case(seq(nn.Upsample(scale_factor=2, mode="bilinear"))),
    "interpolate_nearest_uneven": Case(fn(lambda s, x: F.interpolate(x, scale_factor=(1, 3)))),
    # small whole models
    "kim_text_cnn": Case(KimCNN, [(2, 9)], ids=50),
    "tiny_unet": Case(TinyUNet, [(2, 3, 8, 8)]),
    "vgg_style_adaptive_identity": Case(
        seq(
            nn.Conv2d(3, 4, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(64, 10),
            nn.ReLU(),
            nn.Dropout(),
            nn.Linear(10, 3),
        )
    ),
    # containers
    "module_list_and_dict": Case(
        fn(
            lambda s, x: s.d["out"](sum_layers(s.layers, x)),
            layers=nn.ModuleList([nn.Linear(6, 6) for _ in range(3)]),
            d=nn.ModuleDict({"out": nn.Linear(6, 2)}),
        ),
        [(2, 6)],
    ),
    # attention
    "multihead_self_attention": Case(
        fn(lambda s, x: s.a(x, x, x)[0], a=nn.MultiheadAttention(8, 2, batch_first=True)),
        [(2, 5, 8)],
    ),
    "multihead_cross_attention_time_major": Case(
        lambda: Fn2(
            lambda s, x, y: s.a(x.transpose(0, 1), y.transpose(0, 1), y.transpose(0, 1))[
                0
            ].transpose(0, 1),
            a=nn.MultiheadAttention(6, 3, kdim=4, vdim=4, bias=False),
        ),
        [(2, 5, 6), (2, 7, 4)],
    ),
    "multihead_attention_residual_norm": Case(
        fn(
            lambda s, x: s.norm(x + s.a(x, x, x, need_weights=False)[0]),
            a=nn.MultiheadAttention(8, 4, batch_first=True),
            norm=nn.LayerNorm(8),
        ),
        [(2, 6, 8)],
    ),
    # embedding
    "embedding": Case(seq(nn.Embedding(20, 4, padding_idx=0)), [(2, 7)], ids=20),
    # recurrent
    "lstm_batch_first": Case(
        fn(lambda s, x: s.r(x)[0], r=nn.LSTM(4, 5, batch_first=True)), [(2, 6, 4)], param_diff=20
    ),
    "lstm_time_major": Case(
        fn(lambda s, x: s.r(x.transpose(0, 1))[0].transpose(0, 1), r=nn.LSTM(4, 5)),
        [(2, 6, 4)],
        param_diff=20,
    ),
    "lstm_two_layers_states": Case(
        fn(lambda s, x: lstm_states(s.r, x), r=nn.LSTM(4, 5, num_layers=2, batch_first=True)),
        [(2, 6, 4)],
        param_diff=40,
    ),
    "lstm_no_bias_last_step": Case(
        fn(lambda s, x: s.r(x)[0][:, -1, :], r=nn.LSTM(4, 5, batch_first=True, bias=False)),
        [(2, 6, 4)],
    ),
    "lstm_bidirectional_seq": Case(
        fn(lambda s, x: s.r(x)[0], r=nn.LSTM(4, 3, batch_first=True, bidirectional=True)),
        [(2, 6, 4)],
        param_diff=24,
    ),
    "lstm_zero_initial_state": Case(
        fn(
            lambda s, x: s.r(x, (torch.zeros(1, x.size(0), 5), torch.zeros(1, x.size(0), 5)))[0],
            r=nn.LSTM(4, 5, batch_first=True),
        ),
        [(2, 6, 4)],
        param_diff=20,
    ),
    "lstm_encoder_decoder": Case(
        fn(
            lambda s, x: s.dec(x, s.enc(x)[1])[0],
            enc=nn.LSTM(4, 5, batch_first=True),
            dec=nn.LSTM(4, 5, batch_first=True),
        ),
        [(2, 6, 4)],
        param_diff=40,
    ),
    "gru_states": Case(
        fn(
            lambda s, x: torch.cat([s.r(x)[1][-1], s.r(x)[0][:, 0]], 1),
            r=nn.GRU(4, 5, batch_first=True),
        ),
        [(2, 6, 4)],
    ),
    "gru_bidirectional_two_layers": Case(
        fn(
            lambda s, x: s.r(x)[0],
            r=nn.GRU(4, 3, num_layers=2, bidirectional=True, batch_first=True),
        ),
        [(2, 6, 4)],
    ),
    "rnn_relu": Case(
        fn(
            lambda s, x: s.r(x)[1].squeeze(0), r=nn.RNN(4, 5, nonlinearity="relu", batch_first=True)
        ),
        [(2, 6, 4)],
        param_diff=5,
    ),
    "rnn_tanh_two_layers_no_bias": Case(
        fn(lambda s, x: s.r(x)[0], r=nn.RNN(4, 5, num_layers=2, bias=False, batch_first=True)),
        [(2, 6, 4)],
    ),
}


def sum_layers(layers, x):
    for layer in layers:
        x = x + layer(x)
    return x


def lstm_states(lstm, x):
    out, (h, c) = lstm(x)
    return out, h[-1], c[0]


def _inputs(case: Case, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    if case.ids is not None:
        return [rng.integers(0, case.ids, s).astype(np.int64) for s in case.inputs]
    return [(case.scale * rng.normal(size=s)).astype(np.float32) for s in case.inputs]


def _convert(case: Case):
    torch.manual_seed(0)
    module = randomize_batch_norm(case.make())
    with torch.no_grad():  # non-zero PReLU slopes and biases
        for name, p in module.named_parameters():
            if name.endswith("bias") or "prelu" in type(module).__name__.lower():
                p.uniform_(-0.5, 0.5)
    arrays = _inputs(case)
    spec = nnspec.from_torch(module, [torch.from_numpy(a) for a in arrays])
    return module, arrays, spec


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_torch_to_keras(case):
    module, arrays, spec = _convert(case)
    ref = run_torch(module, arrays)
    kmodel = nnspec.to_keras(spec)
    assert_close(ref, run_keras(kmodel, arrays))
    expected = torch_param_count(module) - case.param_diff
    assert spec.count_params() == kmodel.count_params() == expected


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_torch_to_torch(case):
    module, arrays, spec = _convert(case)
    ref = run_torch(module, arrays)
    rebuilt = nnspec.to_torch(spec)
    assert_close(ref, run_torch(rebuilt, arrays))
    assert torch_param_count(rebuilt) == torch_param_count(module) - case.param_diff
