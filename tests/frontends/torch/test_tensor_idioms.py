"""More PyTorch idioms -> spec -> Keras (and back to PyTorch), parity on two different
inputs: tensors made from shapes in forward (the batch size included), cumprod, sort / argsort
/ topk (values and indices), InstanceNorm with running statistics, broadcasting tensors of
different ranks, indexing and flips. One tiny module per idiom; refusals name the op."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec

torch = pytest.importorskip("torch")
pytest.importorskip("keras")
nn = torch.nn
F = torch.nn.functional


class Fn(nn.Module):
    def __init__(self, fn, **modules):
        super().__init__()
        self.fn = fn
        for k, m in modules.items():
            self.add_module(k, m)

    def forward(self, x):
        return self.fn(self, x)


def _mask_softmax(x):
    mask = nn.Transformer.generate_square_subsequent_mask(x.size(1))
    return (x[:, :, : x.size(1)] + mask).softmax(-1)


def _positions(x):
    b, t, _ = x.shape
    return x[..., 0] * torch.arange(t).unsqueeze(0).expand(b, t).float()


def _rank_broadcast(s, x):
    out, h = s.rnn(x.transpose(0, 1))  # time-major inside
    return (out + h[-1]).transpose(0, 1)  # (T, N, H) + (N, H)


SEQ = (3, 5, 6)
CASES = {
    # tensors made in forward from shapes
    "zeros_from_batch_size": (lambda s, x: s.fc(x[:, 0]) + torch.zeros(x.size(0), 4), SEQ),
    "ones_from_shape": (lambda s, x: x * torch.ones(x.shape[0], 1, x.shape[2]) * 2, SEQ),
    "full_from_len": (lambda s, x: x[:, 0] + torch.full((len(x), 6), 0.5), SEQ),
    "new_zeros_state": (lambda s, x: x[:, :, :4] + x.new_zeros(x.size(0), 1, 4), SEQ),
    "causal_mask_in_forward": (lambda s, x: _mask_softmax(x), SEQ),
    "arange_positions": (lambda s, x: _positions(x), SEQ),
    # cumulative products, sorting and selection
    "cumprod": (lambda s, x: torch.cumprod(x, 1) + x.cumprod(dim=-1), SEQ),
    "sort_values_indices": (lambda s, x: torch.sort(x, dim=-1, descending=True), SEQ),
    "sort_dim1_values": (lambda s, x: x.sort(1).values * 2, SEQ),
    "argsort": (lambda s, x: torch.argsort(x, dim=1), SEQ),
    "topk": (lambda s, x: torch.topk(x, 3), SEQ),
    "topk_smallest_dim1": (lambda s, x: x.topk(2, dim=1, largest=False)[0], SEQ),
    "normalize": (lambda s, x: F.normalize(x, dim=-1) + F.normalize(x, p=1, dim=1), SEQ),
    # normalisation with running statistics
    "instance_norm_running_stats": (
        lambda s, x: s.norm(x),
        (3, 4, 6, 5),
        {"norm": nn.InstanceNorm2d(4, affine=True, track_running_stats=True)},
    ),
    # broadcasting tensors of different ranks, both from the inputs
    "rank_broadcast_time_major": (
        _rank_broadcast,
        SEQ,
        {"rnn": nn.GRU(6, 6, num_layers=2)},
    ),
    # grouped transposed convolutions
    "conv_transpose2d_groups": (
        lambda s, x: s.up(x),
        (3, 4, 5, 6),
        {"up": nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)},
    ),
    "conv_transpose1d_groups": (
        lambda s, x: s.up(x),
        (3, 6, 7),
        {"up": nn.ConvTranspose1d(6, 3, 4, stride=2, groups=3, bias=False)},
    ),
    # bicubic resizes (PyTorch's kernel, a = -0.75)
    "bicubic_scale": (lambda s, x: F.interpolate(x, scale_factor=2, mode="bicubic"), (3, 2, 5, 6)),
    "bicubic_align_size": (
        lambda s, x: F.interpolate(x, size=(7, 4), mode="bicubic", align_corners=True),
        (3, 2, 5, 6),
    ),
    "upsample_bicubic_module": (
        lambda s, x: s.up(x),
        (3, 2, 4, 4),
        {"up": nn.Upsample(scale_factor=1.5, mode="bicubic")},
    ),
    # indexing
    "flip_then_step": (lambda s, x: x.flip(1)[:, ::2] + x[:, ::2].flip(-1), SEQ),
    "paired_index_lists": (lambda s, x: x[:, [0, 2, 4], [1, 5, 0]] + x[:, 1, [2, 3, 4]], SEQ),
    "paired_lists_sliced": (lambda s, x: x[:, 1:, [0, 1], [3, 2]] * 2, (3, 3, 4, 5)),
}


def _module(case):
    fn, shape, *rest = CASES[case]
    modules = {"fc": nn.Linear(6, 4)} if case == "zeros_from_batch_size" else {}
    if rest:
        modules.update(rest[0])
    module = Fn(fn, **modules)
    with torch.no_grad():
        for m in module.modules():
            if getattr(m, "running_mean", None) is not None:
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
    return module.eval(), shape


@pytest.mark.parametrize("case", list(CASES))
def test_idiom_converts(case):
    torch.manual_seed(0)
    module, shape = _module(case)
    rng = np.random.default_rng(4)
    first = [rng.normal(size=shape).astype(np.float32)]
    second = [(rng.normal(size=(shape[0] + 1, *shape[1:])) * 2).astype(np.float32)]
    spec = nnspec.from_torch(module, torch.from_numpy(first[0]))
    kmodel = nnspec.to_keras(spec)
    back = nnspec.to_torch(spec)
    for arrays in (first, second):  # the second has another batch size
        want = run_torch(module, arrays)
        assert_close(want, run_keras(kmodel, arrays))
        assert_close(want, run_torch(back, arrays))
    fixed = sum(
        spec.params[f"{n.name}/value"].size
        for n in spec.nodes
        if n.op == "constant" and not n.trainable
    )  # a mask or positions made in forward: held as a constant
    assert kmodel.count_params() - fixed == torch_param_count(module)


REFUSED = {
    "arange_of_batch": (lambda s, x: x + torch.arange(x.size(0)).unsqueeze(1), "differ along"),
    "random_in_forward": (lambda s, x: x + torch.randn(x.size(0), 6), "randn"),
    "sort_batch": (lambda s, x: torch.sort(x, dim=0)[0], "batch"),
    "msort": (lambda s, x: torch.msort(x), "batch"),
    "topk_unsorted": (lambda s, x: torch.topk(x, 2, sorted=False)[0], "sorted=False"),
    "cumprod_batch": (lambda s, x: torch.cumprod(x, 0), "batch"),
    # (N, C) + (N,) with N == C: PyTorch broadcasts the batch along the features
    "rank_broadcast_misaligned": (lambda s, x: x + x[:, 0], "different ranks", (3, 3)),
    "lists_apart": (lambda s, x: x[:, [0, 1], :, 1], "separated by a slice", (3, 4, 5, 6)),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_idiom_refused_by_name(case):
    fn, match, *shape = REFUSED[case]
    with pytest.raises(nnspec.ConversionError, match=match) as info:
        nnspec.from_torch(Fn(fn).eval(), torch.randn(*(shape[0] if shape else (3, 6))))
    assert "node" in str(info.value) or "function" in str(info.value)
