"""nn.GLU and F.glu -> split, sigmoid, multiply (the torch REFUSED table said the spec had no
split op; it has one). Outputs of the original module, of the spec built in PyTorch and in
Keras, on two different inputs (helpers run each twice), and parameter counts."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec

torch = pytest.importorskip("torch")
pytest.importorskip("keras")
nn = torch.nn


class ConvGLU(nn.Module):
    """A gated convolution: GLU over the channels (the spec's last axis)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.glu = nn.GLU(dim=1)

    def forward(self, x):
        return self.glu(self.conv(x))


class RowGLU(nn.Module):
    """F.glu over the height of an image (a spatial axis in the spec's layout)."""

    def forward(self, x):
        return torch.nn.functional.glu(x, dim=2)


CASES = [
    pytest.param(ConvGLU, (2, 3, 6, 5), id="glu_channels"),
    pytest.param(RowGLU, (2, 3, 6, 5), id="glu_height"),
    pytest.param(lambda: nn.Sequential(nn.Linear(5, 6), nn.GLU()), (2, 4, 5), id="glu_last"),
]


@pytest.mark.parametrize("make, shape", CASES)
def test_glu_converts(make, shape):
    torch.manual_seed(0)
    module = make().eval()
    x = np.random.default_rng(1).normal(size=shape).astype(np.float32)
    spec = nnspec.from_torch(module, torch.from_numpy(x))
    assert {"split", "activation", "multiply"} <= {n.op for n in spec.nodes}
    ref = run_torch(module, [x])
    assert_close(ref, run_torch(nnspec.to_torch(spec), [x]))
    kmodel = nnspec.to_keras(spec)
    assert_close(ref, run_keras(kmodel, [x]))
    assert spec.count_params() == kmodel.count_params() == torch_param_count(module)


def test_glu_over_the_batch_is_refused():
    module = nn.GLU(dim=0)
    with pytest.raises(nnspec.SpecError, match="batch"):
        nnspec.from_torch(module, torch.randn(4, 6))
