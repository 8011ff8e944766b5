"""PyTorch tensor functions, methods and operators -> spec tensor ops -> Keras (and back to
PyTorch), with parity on two different inputs. One tiny module per idiom."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec

torch = pytest.importorskip("torch")
pytest.importorskip("keras")
F = torch.nn.functional


class Fn(torch.nn.Module):
    def __init__(self, fn, buffer=None, param=None):
        super().__init__()
        self.fn = fn
        if buffer is not None:
            self.register_buffer("buf", buffer)
        if param is not None:
            self.weight = torch.nn.Parameter(param)

    def forward(self, x):
        return self.fn(self, x)


class Fn2(Fn):
    def forward(self, x, y):
        return self.fn(self, x, y)


def _randn(*shape):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(3))


def _chunks(c):
    return torch.cat([c[2], c[1], c[0]], dim=-1)


def _unbound(u):
    return torch.stack([u[3], u[1], u[2], u[0]], dim=1)


def _augmented(x):
    y = x * 2
    y += x
    y /= 3.0
    return y


IMG = (2, 3, 6, 5)
SEQ = (2, 4, 6)
CASES = {
    # elementwise
    "abs_exp_log": (lambda m, x: torch.log(torch.abs(x) + 1.0).exp(), [SEQ]),
    "sqrt_rsqrt": (lambda m, x: torch.sqrt(x * x + 1) + x.abs().add(1).rsqrt(), [SEQ]),
    "pow_scalar": (lambda m, x: x**2 + 2**x, [SEQ]),
    "divide_tensors": (lambda m, x, y: x / (y.abs() + 1), [SEQ, SEQ]),
    "number_over_tensor": (lambda m, x: 1.0 / (x.abs() + 1), [SEQ]),
    "floor_mod": (lambda m, x: (x * 3) // 1.5 + torch.remainder(x, 0.7), [SEQ]),
    "trig_erf": (lambda m, x: torch.sin(x) * torch.cos(x) + torch.erf(x), [SEQ]),
    "round_floor_ceil": (lambda m, x: torch.round(x * 3) + x.floor() + torch.ceil(x), [SEQ]),
    "clamp_any": (lambda m, x: torch.clamp(x, -0.5, 0.3) + x.clamp(min=-0.2), [IMG]),
    "hardtanh_bounds": (lambda m, x: F.hardtanh(x, -2.0, 0.5), [IMG]),
    "softplus_beta": (lambda m, x: F.softplus(x, beta=2.0, threshold=1.0), [SEQ]),
    "shrinks": (lambda m, x: F.hardshrink(x, 0.3) + F.softshrink(x) + F.tanhshrink(x), [SEQ]),
    "logsigmoid": (lambda m, x: F.logsigmoid(x), [SEQ]),
    "compare_where": (lambda m, x: torch.where(x > 0.2, x, -x * 0.5), [IMG]),
    "logical": (lambda m, x: torch.where((x > 0) & ~(x > 1) | (x < -1), x, 0.0), [SEQ]),
    "masked_fill": (lambda m, x: x.masked_fill(x < 0, float("-inf")).softmax(-1), [SEQ]),
    "cast_bool_float": (lambda m, x: (x > 0).float() * x, [SEQ]),
    "maximum_scalar": (
        lambda m, x: torch.maximum(x, torch.zeros_like(x)) + x.max(dim=-1)[0].unsqueeze(-1),
        [SEQ],
    ),
    # reductions
    "sum_mean_axes": (lambda m, x: x.sum(dim=(2, 3)) + x.mean(-1).mean(-1), [IMG]),
    "std_var": (
        lambda m, x: (
            x.std(dim=-1, keepdim=True) + torch.var(x, dim=1, unbiased=False, keepdim=True)
        ),
        [SEQ],
    ),
    "max_min_values": (lambda m, x: torch.max(x, dim=1).values - x.min(1)[0], [SEQ]),
    "argmax_gather": (lambda m, x: torch.gather(x, -1, x.argmax(-1, keepdim=True)), [SEQ]),
    "logsumexp_prod": (lambda m, x: torch.logsumexp(x, dim=-1) + x.prod(dim=-1), [SEQ]),
    "norm_cumsum": (lambda m, x: x / x.norm(dim=-1, keepdim=True) + torch.cumsum(x, 1), [SEQ]),
    "amax_any": (
        lambda m, x: torch.amax(x, dim=(2, 3)) * (x > 2).any(dim=-1).any(-1).float(),
        [IMG],
    ),
    # linear algebra
    "matmul_transpose": (lambda m, x: x @ x.transpose(-2, -1), [SEQ]),
    "bmm_einsum": (
        lambda m, x, y: torch.bmm(x, y.transpose(1, 2)) + torch.einsum("bik,bjk->bij", x, y),
        [SEQ, SEQ],
    ),
    "sdpa_causal": (
        lambda m, x: F.scaled_dot_product_attention(x, x, x, is_causal=True),
        [(2, 2, 4, 6)],
    ),
    "matmul_parameter": (lambda m, x: x @ m.weight, [SEQ], None, (6, 3)),
    "linear_functional": (lambda m, x: F.linear(x, m.weight), [SEQ], None, (5, 6)),
    # shapes and indexing
    "split_chunk_cat": (
        lambda m, x: _chunks(x.chunk(3, dim=-1)) + x.split([2, 4], -1)[1].sum(-1, keepdim=True),
        [SEQ],
    ),
    "unbind_stack": (lambda m, x: _unbound(x.unbind(1)), [SEQ]),
    "expand_repeat": (lambda m, x: x[:, :1].expand(-1, 4, -1) + x.repeat(1, 1, 2)[..., :6], [SEQ]),
    "repeat_interleave": (lambda m, x: x.repeat_interleave(2, dim=1), [SEQ]),
    "flip_roll": (lambda m, x: torch.flip(x, [1]) + torch.roll(x, 2, dims=-1), [IMG]),
    "slices_steps": (lambda m, x: x[:, ::2, 1:-1:2] + x[:, 1::2, :-2:2], [IMG]),
    "index_list_narrow": (lambda m, x: x[:, [0, 2, 1]] + x.narrow(1, 1, 3)[:, [2, 0, 1]], [SEQ]),
    "pad_modes": (
        lambda m, x: (
            F.pad(x, (1, 2, 2, 1), mode="reflect")
            + F.pad(x, (1, 2, 2, 1), mode="replicate")
            + F.pad(x, (1, 2, 2, 1), mode="circular")
            + F.pad(x, (1, 2, 2, 1), value=0.5)
        ),
        [IMG],
    ),
    "pixel_shuffle": (lambda m, x: F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2), [(2, 8, 3, 4)]),
    "interpolate_align": (
        lambda m, x: F.interpolate(x, size=(9, 7), mode="bilinear", align_corners=True),
        [IMG],
    ),
    "interpolate_scale": (lambda m, x: F.interpolate(x, scale_factor=1.5, mode="bilinear"), [IMG]),
    "adaptive_uneven": (
        lambda m, x: F.adaptive_avg_pool2d(x, (4, 3)) + F.adaptive_max_pool2d(x, (4, 3)),
        [IMG],
    ),
    "zeros_ones_like": (lambda m, x: x + torch.ones_like(x) * 2 + torch.full_like(x, 0.5), [SEQ]),
    # in-place forms whose result is what the rest of the graph reads (functionalised)
    "inplace_result_used": (lambda m, x: (x * 2).add_(1).clamp_(min=-0.5).mul_(x), [SEQ]),
    "augmented_assignment": (lambda m, x: _augmented(x), [SEQ]),
    # constants
    "buffer_add": (lambda m, x: x + m.buf, [SEQ], (1, 4, 6)),
    "buffer_mask": (
        lambda m, x: x.masked_fill(m.buf[:, :4, :4] == 0, -1e9),
        [(2, 4, 4)],
        (1, 5, 5),
    ),
    "parameter_scale": (lambda m, x: m.weight * x.permute(0, 2, 3, 1), [IMG], None, (3,)),
}


def _module(case):
    fn, shapes, *rest = CASES[case]
    buf = rest[0] if rest else None
    param = rest[1] if len(rest) > 1 else None
    if case == "buffer_mask":
        buffer = torch.tril(torch.ones(buf))
    else:
        buffer = _randn(*buf) if buf is not None else None
    cls = Fn if len(shapes) == 1 else Fn2
    return cls(fn, buffer, _randn(*param) if param is not None else None).eval(), shapes


@pytest.mark.parametrize("case", list(CASES))
def test_torch_idiom_converts(case):
    module, shapes = _module(case)
    rng = np.random.default_rng(5)
    first = [rng.normal(size=s).astype(np.float32) for s in shapes]
    second = [rng.normal(size=s).astype(np.float32) * 2 for s in shapes]
    spec = nnspec.from_torch(module, [torch.from_numpy(a) for a in first])
    kmodel = nnspec.to_keras(spec)
    back = nnspec.to_torch(spec)
    for arrays in (first, second):
        want = run_torch(module, arrays)
        assert_close(want, run_keras(kmodel, arrays))
        assert_close(want, run_torch(back, arrays))
    assert kmodel.count_params() == torch_param_count(back)
