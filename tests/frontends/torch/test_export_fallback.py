"""Modules torch.fx cannot trace (Python control flow on shapes: branches, loops over time,
asserts) convert through torch.export, with the batch kept symbolic; ATen ops map onto the
same converters (stock modules by their path), and what does not map is refused by name."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec

torch = pytest.importorskip("torch")
pytest.importorskip("keras")
nn = torch.nn
F = torch.nn.functional


class ShapeControlFlow(nn.Module):
    """A branch on a width, an assert on a rank, and a hand-written RNN loop over time with
    its state made from the batch size."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4, 5)
        self.inp = nn.Linear(5, 6)
        self.rec = nn.Linear(6, 6, bias=False)

    def forward(self, x, seq):
        assert x.dim() == 4 and seq.shape[2] == 5
        if x.shape[-1] % 2:
            x = F.pad(x, (0, 1))
        y = F.adaptive_avg_pool2d(F.relu(self.bn(self.conv(x))), 1).flatten(1)
        h = seq.new_zeros(seq.size(0), 6)
        for t in range(seq.size(1)):
            h = torch.tanh(self.inp(seq[:, t]) + self.rec(h))
        return self.fc(y), h


def _randomised(module):
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
    return module.eval()


def test_fx_fails_export_converts():
    torch.manual_seed(0)
    module = _randomised(ShapeControlFlow())
    rng = np.random.default_rng(2)
    shapes = [(3, 3, 8, 7), (3, 4, 5)]
    first = [rng.normal(size=s).astype(np.float32) for s in shapes]
    with pytest.raises(Exception, match="symbolically traced|Proxy|TraceError|traced"):
        torch.fx.symbolic_trace(module)  # the premise: fx alone cannot trace it
    spec = nnspec.from_torch(module, [torch.from_numpy(a) for a in first])
    names = {n.name for n in spec.nodes}
    assert {"conv", "bn", "fc", "inp", "rec", "inp_3"} <= names  # module paths kept
    kmodel = nnspec.to_keras(spec)
    back = nnspec.to_torch(spec)
    for arrays in (first, [rng.normal(size=s).astype(np.float32) * 2 for s in shapes]):
        want = run_torch(module, arrays)
        assert_close(want, run_keras(kmodel, arrays))
        assert_close(want, run_torch(back, arrays))
    assert kmodel.count_params() == torch_param_count(module)


class CellLoop(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.GRUCell(4, 3)

    def forward(self, x):
        h = x.new_zeros(x.size(0), 3)
        for t in range(x.size(1)):
            h = self.cell(x[:, t], h)
        return h


class ValueBranch(nn.Module):
    def forward(self, x):
        return x * 2 if x.sum() > 0 else x


class BatchBranch(nn.Module):
    def forward(self, x):
        return x * 2 if x.size(0) == 3 else x  # depends on the batch size


@pytest.mark.parametrize(
    "module, shape, match",
    [
        pytest.param(CellLoop(), (3, 5, 4), "unsupported.*gru_cell", id="aten_op_named"),
        pytest.param(ValueBranch(), (3, 4), "torch.fx.*torch.export failed too", id="values"),
        pytest.param(BatchBranch(), (3, 4), "torch.export failed too", id="batch_size"),
    ],
)
def test_export_refusals(module, shape, match):
    with pytest.raises(nnspec.ConversionError, match=match) as info:
        nnspec.from_torch(module.eval(), torch.randn(*shape))
    assert "Traceback" not in str(info.value) and len(str(info.value)) < 1200
