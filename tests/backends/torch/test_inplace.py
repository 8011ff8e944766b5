"""The generated forward writes what a hand-written one does where it is exact: a ReLU after a
convolution, batch norm, dense or add (whose value nothing else reads) overwrites its input in
place, and a zero padding before a pooling becomes the pooling's own ``padding=`` (an average
counting the padded cells; a max of a never-negative input). Everywhere else, nothing changes."""

from pathlib import Path

import numpy as np
import pytest
from helpers import assert_close, random_params, run_keras, run_torch

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

import nnspec
from nnspec.spec.io import loads

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "specs"


def _spec(text: str):
    model = loads(text)
    model.params = random_params(model)
    return model


def _forward(model) -> list[str]:
    source = nnspec.emit(model, "torch")
    return source.split("def forward", 1)[1].splitlines()


def _line(lines: list[str], target: str) -> str:
    """The line of node ``target``: bound to its name, or (on a chain, ``x = ...``) saying it
    in a comment or calling its module."""
    return next(line.strip() for line in lines if _of(line.strip(), target))


def _of(line: str, target: str) -> bool:
    if line.startswith(f"{target} = ") or line.endswith(f"# node {target!r}"):
        return True
    return f"self.{target}(" in line


def _assert_parity(model, shape) -> None:
    x = np.random.default_rng(3).normal(0.0, 1.0, shape).astype("float32")
    assert_close(run_keras(nnspec.to_keras(model), [x]), run_torch(nnspec.to_torch(model), [x]))


def _assert_trains_as_out_of_place(model, shape) -> None:
    """Train-mode gradients of the generated module equal those of the same source with every
    ReLU out of place."""
    source = nnspec.emit(model, "torch")
    out_of_place = source.replace(", inplace=True", "")
    assert out_of_place != source
    grads = []
    for text in (source, out_of_place):
        scope: dict = {}
        exec(compile(text, "<generated>", "exec"), scope)  # noqa: S102 (nnspec's own output)
        module = next(v for k, v in scope.items() if isinstance(v, type) and k != "nn")()
        module.load_state_dict(nnspec.to_torch(model).state_dict())
        module.train()
        torch.manual_seed(0)
        x = torch.randn(*shape, requires_grad=True)
        module(x).square().sum().backward()
        grads.append([x.grad, *(p.grad for p in module.parameters())])
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_relu_after_conv_bn_add_is_in_place_and_trains_as_out_of_place():
    model = nnspec.load(GOLDEN / "resnet_block.yaml", weights=False)
    model.params = random_params(model)
    lines = _forward(model)
    for name in ("conv1_relu", "block1_1_relu", "block1_2_relu", "block1_out"):
        assert "inplace=True" in _line(lines, name), name
    _assert_parity(model, (2, 64, 64, 3))
    _assert_trains_as_out_of_place(model, (3, 64, 64, 3))


FUSED = """
nnspec: 1
name: fused
inputs:
  x: {shape: [batch, 8, 8, 3]}
nodes:
  - {op: conv2d, name: conv, filters: 4, kernel_size: 3, activation: relu}
  - {op: depthwise_conv2d, name: dw, kernel_size: 3, activation: relu6}
  - {op: flatten, name: flat}
  - {op: dense, name: hidden, units: 8, activation: relu}
  - {op: dense, name: out, units: 3, activation: sigmoid}
"""


def test_a_layer_s_own_relu_overwrites_the_layer_s_output():
    model = _spec(FUSED)
    lines = _forward(model)
    for name in ("conv", "dw", "hidden"):
        assert "inplace=True" in _line(lines, name), name
    assert "inplace" not in _line(lines, "out")
    _assert_parity(model, (2, 8, 8, 3))
    _assert_trains_as_out_of_place(model, (3, 8, 8, 3))


NOT_IN_PLACE = """
nnspec: 1
name: not_in_place
inputs:
  x: {shape: [batch, 8, 8, 3]}
nodes:
  - {op: relu, name: of_input, inputs: [x]}
  - {op: conv2d, name: conv, inputs: [of_input], filters: 4, kernel_size: 1}
  - {op: dropout, name: drop, rate: 0.5}
  - {op: relu, name: of_alias}
  - {op: add, name: add, inputs: [conv, of_alias]}
  - {op: batch_norm, name: bn}
  - {op: relu, name: of_read_twice, inputs: [bn]}
  - {op: add, name: add2, inputs: [bn, of_read_twice]}
  - {op: conv2d, name: conv_sigmoid, filters: 4, kernel_size: 1, activation: sigmoid}
  - {op: activation, name: of_sigmoid, activation: relu}
  - {op: conv2d, name: conv_out, filters: 4, kernel_size: 1}
  - {op: activation, name: of_output, activation: relu}
outputs: [conv_out, of_output]
"""


def test_relu_never_overwrites_an_input_an_alias_a_shared_value_or_an_output():
    model = _spec(NOT_IN_PLACE)
    lines = _forward(model)
    for name in ("of_input", "of_alias", "of_read_twice", "of_sigmoid", "of_output"):
        assert "inplace" not in _line(lines, name), name
    _assert_parity(model, (2, 8, 8, 3))
    x = torch.randn(2, 8, 8, 3)
    kept = x.clone()
    with torch.no_grad():
        nnspec.to_torch(model)(x)
    assert torch.equal(x, kept), "the module changed its input"


POOLS = """
nnspec: 1
name: pools
inputs:
  x: {shape: [batch, 9, 9, 3]}
nodes:
  - {op: conv2d, name: conv, inputs: [x], filters: 4, kernel_size: 1}
  - {op: zero_padding2d, name: pad_signed, padding: 1}
  - {op: max_pool2d, name: max_signed, pool_size: 3, strides: 2}
  - {op: activation, name: relu, inputs: [conv], activation: relu}
  - {op: zero_padding2d, name: pad_relu, padding: 1}
  - {op: max_pool2d, name: max_relu, pool_size: 3, strides: 2}
  - {op: zero_padding2d, name: pad_avg, inputs: [conv], padding: 1}
  - {op: avg_pool2d, name: avg, pool_size: 3, strides: 2}
  - {op: zero_padding2d, name: pad_wide, inputs: [conv], padding: 2}
  - {op: avg_pool2d, name: avg_wide, pool_size: 3, strides: 2}
outputs: [max_signed, max_relu, avg, avg_wide]
"""


def test_zero_padding_folds_into_a_pooling_only_where_exact():
    model = _spec(POOLS)
    source = nnspec.emit(model, "torch")
    lines = _forward(model)
    assert "padding=1" in next(s for s in source.splitlines() if "self.max_relu = " in s)
    assert "padding=1" in next(s for s in source.splitlines() if "self.avg = " in s)
    assert not any(_of(s.strip(), "pad_relu") or _of(s.strip(), "pad_avg") for s in lines)
    # a max of values that may be negative (padded with 0, not -inf), and more padding than
    # half the window, stay explicit
    assert "F.pad" in _line(lines, "pad_signed")
    assert "F.pad" in _line(lines, "pad_wide")
    _assert_parity(model, (2, 9, 9, 3))


def test_report_reads_each_value_before_a_relu_overwrites_it():
    from nnspec.report import torch_intermediates

    model = nnspec.load(GOLDEN / "resnet_block.yaml", weights=False)
    model.params = random_params(model)
    x = np.random.default_rng(5).normal(0.0, 1.0, (1, 64, 64, 3)).astype("float32")
    found = torch_intermediates(nnspec.to_torch(model), model, [x])
    bn, relu = found["conv1_bn"][0], found["conv1_relu"][0]
    assert bn.min() < 0.0, "the batch norm's value was read after the in-place ReLU"
    np.testing.assert_array_equal(relu, np.maximum(bn, 0.0))
