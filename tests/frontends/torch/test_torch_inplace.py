"""In-place operations: carried with parity when the spec can say the same, refused by name
when the change reaches a tensor the spec would read unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import nnspec
from nnspec import ConversionError

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional


class ReluOfSlice(nn.Module):
    def forward(self, x):
        torch.relu_(x[:, 1:2])  # changes x through a view; the result is not assigned
        return x * 2


class ClampMul(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        y = self.fc(x)
        y.clamp_(min=0)  # neither result is assigned: y itself changes
        y.mul_(2)
        return y


class InplaceReluOnView(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 6)

    def forward(self, x):
        z = self.fc(x)
        F.relu(z[:, :3], inplace=True)
        return z + 1


class ModuleReluOnView(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 6)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        z = self.fc(x)
        a = self.relu(z[:, :3])
        return torch.cat([a, z[:, 3:]], 1) + z.sum(1, keepdim=True)


class SetItem(nn.Module):
    def forward(self, x):
        y = x * 1.0
        y[:, 0] = 0
        return y


class OutArgument(nn.Module):
    def forward(self, x):
        y = x * 1.0
        torch.add(x, 1, out=y)
        return y


class ChangesBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("calls", torch.zeros(4))

    def forward(self, x):
        self.calls.add_(1)
        return x + 1


class ChangesParameter(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))

    def forward(self, x):
        self.scale.mul_(2)
        return x * self.scale


class ChangesThroughData(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        y = self.fc(x)
        y.data.mul_(3)  # .data shares y's memory, not its version counter
        return y + 1


class IaddOnView(nn.Module):
    def forward(self, x):
        v = x[:, :2]
        v += 1
        return x - 1


@pytest.mark.parametrize(
    ("module", "match"),
    [
        (ReluOfSlice(), r"relu_.*changes 'getitem' in place, and with it 'x'"),
        (InplaceReluOnView(), r"function torch.nn.functional.relu.*'fc'"),
        (ModuleReluOnView(), r"module 'relu' \(nn.ReLU\).*'fc'"),
        (SetItem(), r"forward of SetItem assigns into a tensor"),
        (OutArgument(), r"function torch.add.*out="),
        (ChangesBuffer(), r"changes (the module's )?parameter or buffer calls in place"),
        (ChangesParameter(), r"mul_.*parameter or buffer scale"),
        (IaddOnView(), r"operator iadd.*'x'"),
        (ChangesThroughData(), r"mul_.*and with it 'fc'"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else None,
)
def test_change_the_spec_cannot_carry_is_refused(module, match):
    with pytest.raises(ConversionError, match=match):
        nnspec.from_torch(module.eval(), torch.randn(3, 4))


def test_example_inputs_are_not_changed_by_the_trace():
    x = torch.randn(3, 4)
    before = x.clone()
    with pytest.raises(ConversionError):
        nnspec.from_torch(ReluOfSlice(), x)
    assert torch.equal(x, before)


class ReluUsedElsewhere(nn.Module):
    """``a`` is changed by the ReLU, so ``a + b`` is ``2 * relu(a)`` in PyTorch."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 5)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        a = self.fc(x)
        b = self.relu(a)
        return a + b


class Bottleneck(nn.Module):
    """torchvision's block: in-place ReLUs, ``out += identity``."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


class InputChanged(nn.Module):
    def forward(self, x):
        x += 1  # the input itself, then used
        x.mul_(3)
        return x.relu_() - 0.5


def _randomise(module: nn.Module) -> nn.Module:
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            if t.is_floating_point():
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
    return module.eval()


@pytest.mark.parametrize(
    ("module", "shape"),
    [
        (ClampMul(), (3, 4)),
        (ReluUsedElsewhere(), (3, 4)),
        (Bottleneck(), (2, 4, 6, 6)),
        (InputChanged(), (3, 4)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else None,
)
def test_safe_in_place_ops_convert_with_parity(module, shape):
    module = _randomise(module)
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.normal(size=shape).astype("float32"))
    spec = nnspec.from_torch(module, x)
    rebuilt = nnspec.to_torch(spec)
    for seed in (2, 3):  # two further inputs, not the example
        probe = torch.from_numpy(np.random.default_rng(seed).normal(size=shape).astype("float32"))
        with torch.no_grad():
            want = module(probe.clone())
            got = rebuilt(probe.clone())
        torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)
    count = sum(p.numel() for p in module.parameters()) + sum(
        b.numel() for n, b in module.named_buffers() if "num_batches" not in n
    )
    assert spec.count_params() == count


def test_quantisation_aware_linear_is_not_converted_as_linear():
    """torch.ao.nn.qat.Linear is named Linear and fake-quantises its weight."""
    qat = pytest.importorskip("torch.ao.nn.qat")
    qconfig = torch.ao.quantization.get_default_qat_qconfig()
    module = nn.Sequential(qat.Linear(4, 3, qconfig=qconfig)).eval()
    with pytest.raises(ConversionError, match=r"torch.ao.nn.qat.*is not torch.nn.Linear"):
        nnspec.from_torch(module, torch.randn(2, 4))
