"""`nnspec convert --report`: per-node Keras vs PyTorch errors, the first node beyond
tolerance, JSON, automatic on an output mismatch, and independence of the PyTorch layout."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnspec.report import canonical, node_report
from nnspec.spec.checked import weight_decls
from nnspec.spec.io import loads, save

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")

SPEC = """\
nnspec: 1
name: small
inputs:
  image: {shape: [batch, 8, 6, 3], dtype: float32}
nodes:
  - {op: conv2d, name: conv1, filters: 4, kernel_size: 3, activation: relu}
  - {op: batch_norm, name: bn}
  - {op: dropout, name: drop, rate: 0.5}
  - {op: flatten, name: flatten}
  - {op: dense, name: logits, units: 5}
"""


def spec_with_weights():
    model = loads(SPEC)
    rng = np.random.default_rng(0)
    params = {}
    for node, ws in weight_decls(model).items():
        for name, w in ws.items():
            value = (
                rng.uniform(0.5, 2.0, w.shape)
                if name == "moving_variance"
                else rng.normal(size=w.shape)
            )
            params[f"{node}/{name}"] = value.astype("float32")
    model.params = params
    return model


def inputs(seed: int):
    return [np.random.default_rng(seed).normal(size=(2, 8, 6, 3)).astype("float32")]


@pytest.fixture(scope="module")
def built():
    from nnspec.backends.keras import build_model
    from nnspec.backends.torch import build_module

    model = spec_with_weights()
    return model, build_model(model), build_module(model)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_node_agrees(built, seed):
    model, kmodel, module = built
    report = node_report(model, kmodel, module, inputs(seed))
    assert [r.node for r in report.rows] == [n.name for n in model.nodes]
    assert [r.status for r in report.rows] == ["ok"] * 5
    assert report.first_divergence is None
    assert all(r.max_abs is not None and r.max_abs < 1e-4 for r in report.rows)


def test_names_the_first_node_that_diverges(built):
    model, kmodel, module = built
    var = next(b for name, b in module.named_buffers() if name.endswith("running_var"))
    saved = var.clone()
    try:
        var.mul_(4.0)  # a wrong variance: what a wrong epsilon or statistic does
        report = node_report(model, kmodel, module, inputs(1))
    finally:
        var.copy_(saved)
    status = {r.node: r.status for r in report.rows}
    assert status["conv1"] == "ok" and status["bn"] == "DIVERGES"
    assert report.first_divergence == "bn"
    assert status["drop"] == "DIVERGES"  # an identity: compared through its input


NODE_IDS: dict[str, str] = {}  # what build_report looks for in a generated module's globals


class ChannelsFirst(torch.nn.Module):
    """The same model written as a person writes PyTorch: NCHW inside, Linear rows permuted
    for the NCHW flatten. The report must compare it to Keras all the same."""

    def __init__(self, model):
        super().__init__()
        p = {k: torch.from_numpy(v) for k, v in model.params.items()}
        self.conv1 = torch.nn.Conv2d(3, 4, 3)
        self.conv1.weight.data = p["conv1/kernel"].permute(3, 2, 0, 1).contiguous()
        self.conv1.bias.data = p["conv1/bias"]
        self.bn = torch.nn.BatchNorm2d(4, eps=1e-3).eval()
        self.bn.weight.data, self.bn.bias.data = p["bn/gamma"], p["bn/beta"]
        self.bn.running_mean.data, self.bn.running_var.data = (
            p["bn/moving_mean"],
            p["bn/moving_variance"],
        )
        kernel = p["logits/kernel"].reshape(6, 4, 4, 5).permute(2, 0, 1, 3).reshape(96, 5)
        self.logits = torch.nn.Linear(96, 5)
        self.logits.weight.data, self.logits.bias.data = kernel.T.contiguous(), p["logits/bias"]

    def forward(self, image):
        x = image.permute(0, 3, 1, 2)
        conv1 = torch.relu(self.conv1(x))
        bn = self.bn(conv1)
        flatten = bn.flatten(1)
        logits = self.logits(flatten)
        return logits


def test_layout_of_the_pytorch_module_does_not_matter(built):
    model, kmodel, _ = built
    report = node_report(model, kmodel, ChannelsFirst(model).eval(), inputs(3))
    assert {r.node: r.status for r in report.rows} == {
        "conv1": "ok",
        "bn": "ok",
        "drop": "ok",
        "flatten": "ok",
        "logits": "ok",
    }


def test_canonical_moves_channels_back():
    nhwc = np.arange(2 * 3 * 4 * 5, dtype="float32").reshape(2, 3, 4, 5)
    got, layout = canonical(np.moveaxis(nhwc, -1, 1), nhwc)
    assert np.array_equal(got, nhwc) and layout == "moved"
    cube = np.random.default_rng(0).normal(size=(1, 3, 3, 3)).astype("float32")
    got, layout = canonical(np.moveaxis(cube, -1, 1), cube)
    assert np.array_equal(got, cube) and layout == "ambiguous"
    # The input's layout decides, even against the closer match.
    got, layout = canonical(np.moveaxis(cube, -1, 1), cube, prefer="same")
    assert np.array_equal(got, np.moveaxis(cube, -1, 1)) and layout == "same"
    assert canonical(np.zeros((2, 7)), np.zeros((2, 6)))[0] is None


def test_convert_report_json(tmp_path, capsys):
    from nnspec.cli import main

    spec = tmp_path / "small.yaml"
    save(spec_with_weights(), spec)
    code = main(
        [
            "convert",
            str(spec),
            "-o",
            str(tmp_path / "out"),
            "-q",
            "--report",
            "--report-json",
            str(tmp_path / "r.json"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "per-node errors (Keras vs PyTorch):" in out and "no node beyond tolerance" in out
    data = json.loads((tmp_path / "r.json").read_text())
    assert [r["node"] for r in data["rows"]] == ["conv1", "bn", "drop", "flatten", "logits"]
    assert data["first_divergence"] is None


def test_report_is_printed_when_outputs_disagree(tmp_path, capsys, monkeypatch):
    import nnspec.convert as conv
    from nnspec.cli import main

    real = conv._torch_outputs
    monkeypatch.setattr(conv, "_torch_outputs", lambda m, a: [o + 1.0 for o in real(m, a)])
    spec = tmp_path / "small.yaml"
    save(spec_with_weights(), spec)
    code = main(["convert", str(spec), "-o", str(tmp_path / "out"), "-q"])
    out = capsys.readouterr().out
    assert code == 1 and "MISMATCH" in out
    assert "per-node errors (Keras vs PyTorch):" in out


SPLIT = """\
nnspec: 1
name: halves
inputs:
  x: {shape: [batch, 6], dtype: float32}
nodes:
  - {op: split, name: halves, sizes: [3, 3]}
  - {op: add, name: total, inputs: [halves, 'halves:1']}
"""


def test_every_output_of_a_node_is_compared():
    """A split whose second output is wrong: comparing output 0 alone would call it right."""
    from nnspec.report import compare_intermediates

    model = loads(SPLIT)
    x = np.random.default_rng(4).normal(size=(2, 6)).astype("float32")
    first, second = x[:, :3], x[:, 3:]
    total = [first + second]
    right = {"halves": [first, second], "total": total}
    wrong = {"halves": [first, second * 2.0], "total": total}
    assert compare_intermediates(model, right, right).first_divergence is None
    report = compare_intermediates(model, right, wrong)
    rows = {r.node: r for r in report.rows}
    assert rows["halves"].status == "DIVERGES (output 1)"
    assert rows["halves"].max_abs == pytest.approx(float(np.abs(second).max()), rel=1e-6)
    assert (rows["total"].status, report.first_divergence) == ("ok", "halves")
    fewer = compare_intermediates(model, right, {**right, "halves": [first]})
    assert fewer.rows[0].status == "outputs differ: keras 2, torch 1"


CHAIN = """\
nnspec: 1
name: chain
inputs:
  image: {shape: [batch, 8, 6, 3]}
nodes:
  - {op: conv2d, name: conv_a, filters: 4, kernel_size: 3, padding: same}
  - {op: batch_norm, name: bn_a}
  - {op: activation, name: relu_a, activation: relu}
  - {op: conv2d, name: conv_b, filters: 4, kernel_size: 3}
  - {op: batch_norm, name: bn_b}
  - {op: activation, name: relu_b, activation: relu}
  - {op: flatten, name: flatten}
  - {op: dense, name: logits, units: 5}
"""


def test_names_the_diverging_node_in_the_middle_of_a_rebound_chain():
    """Every node of the chain is bound to one local, ``x``: the report still reads each
    node's own value (on the line after it), so the nodes before the broken one are ok."""
    import nnspec
    from nnspec.backends.keras import build_model
    from nnspec.backends.torch import build_module

    model = loads(CHAIN)
    model.params = spec_with_weights_for(model)
    forward = nnspec.emit(model, "torch").split("def forward")[1]
    assert "x = self.conv_b(x)" in forward and "x = self.bn_b(x)" in forward
    module = build_module(model)
    with torch.no_grad():
        module.conv_b.weight.mul_(-1.0)  # a wrong kernel: what a wrong transpose does
    report = node_report(model, build_model(model), module, inputs(1))
    status = {r.node: r.status for r in report.rows}
    assert [status[n] for n in ("conv_a", "bn_a", "relu_a")] == ["ok"] * 3
    assert status["conv_b"] == "DIVERGES" and report.first_divergence == "conv_b"


def spec_with_weights_for(model):
    rng = np.random.default_rng(0)
    params = {}
    for node, ws in weight_decls(model).items():
        for name, w in ws.items():
            low = 0.5 if name == "moving_variance" else -1.0
            params[f"{node}/{name}"] = rng.uniform(low, 2.0, w.shape).astype("float32")
    return params


def test_a_saved_generated_file_is_read_by_the_spec_s_line_table(tmp_path):
    """A module imported from the file nnspec wrote (no table in its globals) is read line by
    line all the same: the spec's generated forward is the same text."""
    import importlib.util

    import nnspec
    from nnspec.backends.keras import build_model
    from nnspec.backends.torch import build_module

    model = loads(CHAIN)
    model.params = spec_with_weights_for(model)
    path = tmp_path / "chain_module.py"
    path.write_text(nnspec.emit(model, "torch"))
    spec = importlib.util.spec_from_file_location("chain_module", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    module = mod.Chain()
    module.load_state_dict(build_module(model).state_dict())
    report = node_report(model, build_model(model), module.eval(), inputs(2))
    assert [r.status for r in report.rows] == ["ok"] * len(model.nodes)
