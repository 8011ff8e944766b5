"""The generated PyTorch reads like a person's code: channels-first inside with permutes only
where a layout changes, padding folded into the layer, lint-clean, honest header."""

from __future__ import annotations

import ast
import shutil
import subprocess

import numpy as np
import pytest
from helpers import (
    GENERATED_RULES,
    assert_close,
    model_for_sample,
    random_inputs,
    random_params,
    run_keras,
    run_torch,
)

import nnspec
from nnspec.spec.ops import op_modules

torch = pytest.importorskip("torch")


def _cases():
    modules = {m.__name__: m for m in op_modules().values()}
    for _, module in sorted(modules.items()):
        only = next(iter(module.OPS)).tag() if len(module.OPS) == 1 else None
        for sample in getattr(module, "samples", list)():
            op = sample.attrs.get("op", only)
            yield pytest.param(op, sample, id=f"{op}-{sample.name}")


CASES = list(_cases())

RESNET_BLOCK = """
nnspec: 1
name: resnet_block
inputs:
  image: {shape: [batch, 16, 16, 3]}
nodes:
  - {op: zero_padding2d, name: stem_pad, padding: 3}
  - {op: conv2d, name: stem, filters: 8, kernel_size: 7, strides: 2}
  - {op: batch_norm, name: stem_bn}
  - {op: activation, name: stem_relu, activation: relu}
  - {op: conv2d, name: a, filters: 8, kernel_size: 3, padding: same}
  - {op: batch_norm, name: a_bn}
  - {op: activation, name: a_relu, activation: relu}
  - {op: add, name: residual, inputs: [a_relu, stem_relu]}
  - {op: zero_padding2d, name: down_pad, padding: [[0, 1], [0, 1]]}
  - {op: depthwise_conv2d, name: down, kernel_size: 3, strides: 2}
  - {op: concatenate, name: both, axis: -1, inputs: [down, down]}
  - {op: global_avg_pool2d, name: gap}
  - {op: dense, name: logits, units: 5}
outputs: [logits, both]
"""


def _model(text: str):
    model = nnspec.loads(text)
    model.params = random_params(model)
    return model


def _forward(source: str) -> str:
    return source.split("def forward")[1]


def test_resnet_block_reads_like_hand_written_code():
    source = nnspec.emit(_model(RESNET_BLOCK), "torch")
    forward = _forward(source)
    # One permute in, one for the spatial output 'both'; none between the layers.
    assert forward.count(".permute(") == 2, forward
    assert "x = image.permute(0, 3, 1, 2)" in forward
    assert "return logits, both.permute(0, 2, 3, 1)" in forward
    # Symmetric zero padding folded into the convolution; asymmetric kept as F.pad.
    assert "self.stem = nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3)" in source
    assert "stem_pad" not in forward
    assert "x = F.pad(x, (0, 1, 0, 1))  # node 'down_pad'" in forward
    assert "self.a = nn.Conv2d(8, 8, kernel_size=3, padding=1)" in source
    assert "torch.cat([down, down], dim=1)" in forward
    assert "x = both.mean(dim=(2, 3))  # node 'gap'" in forward
    assert "NODE_IDS" not in source  # every name is its node's
    assert "Channels first (N, C, ...) inside" in source


def test_default_module_runs_in_channels_last_memory():
    """The input permute is a view: every layer sees NCHW dims over the caller's NHWC
    memory (PyTorch's fast CPU path), and the NHWC outputs come back contiguous, no copy."""
    model = _model(RESNET_BLOCK)
    module = nnspec.to_torch(model)
    seen = []
    for layer in (module.stem, module.a, module.down, module.a_bn):
        layer.register_forward_hook(
            lambda m, args, out: seen.append(
                (
                    args[0].is_contiguous(memory_format=torch.channels_last),
                    out.is_contiguous(memory_format=torch.channels_last),
                )
            )
        )
    x = torch.from_numpy(random_inputs(model, [(2, 16, 16, 3)])[0])
    with torch.no_grad():
        _, both = module(x)
    assert seen == [(True, True)] * 4
    assert both.shape == (2, 4, 4, 16) and both.is_contiguous()


def test_channels_first_interface_has_no_permute():
    model = _model(RESNET_BLOCK)
    source = nnspec.emit(model, "torch", channels_first=True)
    assert ".permute(" not in _forward(source)
    assert "image inputs and outputs too" in source
    x = random_inputs(model, [(2, 16, 16, 3)])
    want = run_torch(nnspec.to_torch(model), x)
    got = run_torch(nnspec.to_torch(model, channels_first=True), [x[0].transpose(0, 3, 1, 2)])
    assert_close(want, [g.transpose(0, 2, 3, 1) if g.ndim == 4 else g for g in got])


def test_flatten_with_two_readers_permutes_once_for_the_channels_last_one():
    model = _model(
        """
nnspec: 1
name: two_heads
inputs:
  image: {shape: [batch, 6, 5, 3]}
nodes:
  - {op: conv2d, name: conv, filters: 4, kernel_size: 3}
  - {op: flatten, name: flat}
  - {op: dense, name: head, units: 3}
  - {op: activation, name: probs, activation: softmax, inputs: [flat]}
outputs: [head, probs]
"""
    )
    forward = _forward(nnspec.emit(model, "torch"))
    assert "head = self.head(flat)" in forward  # the kernel rows are permuted instead
    assert "flat.unflatten(1, (4, 4, 3)).permute(0, 2, 3, 1).flatten(1)" in forward
    x = random_inputs(model, [(2, 6, 5, 3)])
    assert_close(_keras(model, x), run_torch(nnspec.to_torch(model), x))


def _keras(model, x):
    from helpers import run_keras

    return run_keras(nnspec.to_keras(model), x)


def test_elementwise_chain_stays_channels_first():
    model = _model(
        """
nnspec: 1
name: chain
inputs:
  image: {shape: [batch, 8, 8, 2]}
nodes:
  - {op: conv2d, name: conv, filters: 4, kernel_size: 3}
  - {op: relu, name: r, max_value: 6.0}
  - {op: dropout, name: drop, rate: 0.5}
  - {op: softmax, name: sm, axis: -1}
  - {op: max_pool2d, name: pool, pool_size: 2}
"""
    )
    forward = _forward(nnspec.emit(model, "torch"))
    assert forward.count(".permute(") == 2  # in and out
    assert "x = F.softmax(x, dim=1)  # node 'sm'" in forward
    x = random_inputs(model, [(2, 8, 8, 2)])
    assert_close(_keras(model, x), run_torch(nnspec.to_torch(model), x))


def test_add_of_many_inputs_compiles():
    n = 10_000
    inputs = "\n".join(f"  x{i}: {{shape: [batch, 2]}}" for i in range(n))
    model = nnspec.loads(
        f"nnspec: 1\nname: wide\ninputs:\n{inputs}\nnodes:\n"
        f"  - {{op: add, name: total, inputs: [{', '.join(f'x{i}' for i in range(n))}]}}\n"
    )
    module = nnspec.to_torch(model)
    xs = [torch.full((1, 2), float(i)) for i in range(n)]
    with torch.no_grad():
        assert module(*xs).tolist() == [[n * (n - 1) / 2] * 2]


def _node_ids(source: str) -> dict:
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "NODE_IDS":
            return ast.literal_eval(node.value)
    return {}


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is not installed")
def test_every_generated_file_is_lint_clean(tmp_path):
    """Every op sample in both layouts, and the Keras source too: one ruff run over all."""
    for k, param in enumerate(CASES):
        op, sample = param.values
        model = model_for_sample(op, sample)
        model.params = random_params(model)
        for suffix, source in (
            ("torch", nnspec.emit(model, "torch")),
            ("torch_cf", nnspec.emit(model, "torch", channels_first=True)),
            ("keras", nnspec.emit(model, "keras")),
        ):
            ids = _node_ids(source)
            assert all(k != v for k, v in ids.items()), f"{param.id}: {ids}"
            (tmp_path / f"case{k}_{suffix}.py").write_text(source, encoding="utf-8")
    result = subprocess.run(
        [shutil.which("ruff"), "check", "--isolated", "--select", GENERATED_RULES, "."],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.parametrize("op, sample", CASES)
def test_channels_first_matches_default(op, sample):
    """The same module with NCHW image inputs and outputs computes the same numbers."""
    model = model_for_sample(op, sample)
    model.params = random_params(model)
    x = random_inputs(model, sample.inputs, sample)
    want = run_torch(nnspec.to_torch(model), x)
    swap = [a.transpose(0, a.ndim - 1, *range(1, a.ndim - 1)) if a.ndim >= 4 else a for a in x]
    got = run_torch(nnspec.to_torch(model, channels_first=True), swap)
    got = [g.transpose(0, *range(2, g.ndim), 1) if g.ndim >= 4 else g for g in got]
    assert_close(want, [np.ascontiguousarray(g) for g in got], sample.atol)


SE_BLOCK = """
nnspec: 1
name: se_block
inputs:
  image: {shape: [batch, 8, 8, 4]}
nodes:
  - {op: rescaling, name: scale, scale: 0.5}
  - {op: normalization, name: norm}
  - {op: conv2d, name: conv, filters: 6, kernel_size: 3, padding: same}
  - {op: global_avg_pool2d, name: squeeze}
  - {op: reshape, name: se_reshape, target_shape: [1, 1, 6]}
  - {op: conv2d, name: se_reduce, filters: 2, kernel_size: 1, activation: swish}
  - {op: conv2d, name: se_expand, filters: 6, kernel_size: 1, activation: sigmoid}
  - {op: multiply, name: excite, inputs: [conv, se_expand]}
  - {op: dropout, name: drop, rate: 0.5, noise_shape: [null, 1, 1, 6]}
  - {op: add, name: residual, inputs: [drop, conv]}
  - {op: conv2d, name: project, filters: 3, kernel_size: 1}
"""


def test_squeeze_excitation_and_drop_connect_stay_channels_first():
    """EfficientNet's squeeze-and-excitation (a channel vector reshaped to (1, 1, C)) and its
    drop-connect (a dropout with a noise shape) need no permute: the reshape writes NCHW,
    the mask's shape follows the tensor's dims; channels-first, its input normalisation
    (per-channel statistics) runs NCHW too."""
    model = _model(SE_BLOCK)
    forward = _forward(nnspec.emit(model, "torch"))
    assert forward.count(".permute(") == 2, forward  # in and out
    assert ".permute(" not in _forward(nnspec.emit(model, "torch", channels_first=True))
    assert "x.reshape(-1, 6, 1, 1)" in forward
    assert "[None, 6, 1, 1], self.training)" in forward
    for shape in [(2, 8, 8, 4), (3, 8, 8, 4)]:
        x = random_inputs(model, [shape])
        want = _keras(model, x)
        assert_close(want, run_torch(nnspec.to_torch(model), x))
        nchw = nnspec.to_torch(model, channels_first=True)
        got = run_torch(nchw, [np.ascontiguousarray(x[0].transpose(0, 3, 1, 2))])
        assert_close(want, [np.ascontiguousarray(g.transpose(0, 2, 3, 1)) for g in got])


HEAD = """
nnspec: 1
name: mobilenet_head
inputs:
  image: {shape: [batch, 6, 6, 4]}
nodes:
  - {op: conv2d, name: conv, filters: 8, kernel_size: 3}
  - {op: rescaling, name: add3, scale: 1.0, offset: 3.0}
  - {op: relu, name: relu6, max_value: 6.0}
  - {op: rescaling, name: sixth, scale: 0.16666666666666666}
  - {op: global_avg_pool2d, name: pool, keepdims: true}
  - {op: conv2d, name: logits, filters: 5, kernel_size: 1}
  - {op: flatten, name: flat}
  - {op: reshape, name: same_again, target_shape: [5]}
  - {op: softmax, name: probs, inputs: [same_again]}
  - {op: conv2d, name: side, filters: 3, kernel_size: 1, inputs: [pool]}
  - {op: reshape, name: side_flat, target_shape: [3]}
outputs: [probs, side_flat]
"""


def test_hard_sigmoid_and_a_unit_spatial_head_stay_channels_first():
    """MobileNetV3's hard sigmoid (two scalar rescalings) runs in NCHW; a flatten or reshape
    of an (N, C, 1, 1) tensor needs no permute (both orders hold the same elements)."""
    model = _model(HEAD)
    forward = _forward(nnspec.emit(model, "torch"))
    assert forward.count(".permute(") == 1, forward  # in
    assert "x = x + 3.0  # node 'add3'" in forward  # (x * 1.0 is x)
    for shape in [(2, 6, 6, 4), (3, 6, 6, 4)]:
        x = random_inputs(model, [shape])
        assert_close(_keras(model, x), run_torch(nnspec.to_torch(model), x))


def test_channels_first_dropout_shares_its_mask_along_the_noise_shape():
    """Trained, a dropout read NCHW draws its mask in NCHW order: one draw per sample and
    channel for a noise shape (None, 1, 1, C), shared over height and width."""
    model = _model(
        """
nnspec: 1
name: drop_connect
inputs:
  image: {shape: [batch, 5, 5, 6]}
nodes:
  - {op: conv2d, name: conv, filters: 6, kernel_size: 1, use_bias: false}
  - {op: dropout, name: drop, rate: 0.5, noise_shape: [null, 1, 1, 6]}
"""
    )
    model.params["conv/kernel"] = np.eye(6, dtype=np.float32).reshape(1, 1, 6, 6)
    module = nnspec.to_torch(model).train()
    assert ".permute(0, 2, 3, 1)" in _forward(nnspec.emit(model, "torch"))  # NCHW inside
    torch.manual_seed(0)
    x = torch.rand(4, 5, 5, 6) + 1.0
    ratio = module(x) / x  # (batch, h, w, c): 0 dropped, 2 kept
    assert set(ratio.unique().tolist()) == {0.0, 2.0}
    assert torch.equal(ratio, ratio[:, :1, :1, :].expand_as(ratio))  # shared over h, w
    assert len({tuple(r) for r in ratio[:, 0, 0, :].tolist()}) > 1  # drawn per sample


@pytest.mark.slow
def test_resnet50_forward_has_one_permute():
    keras = pytest.importorskip("keras")
    spec = nnspec.from_keras(keras.applications.ResNet50(weights=None))
    assert _forward(nnspec.emit(spec, "torch")).count(".permute(") == 1
    assert ".permute(" not in _forward(nnspec.emit(spec, "torch", channels_first=True))


VIDEO = """
nnspec: 1
name: frames
inputs:
  clip: {shape: [batch, 3, 9, 9, 2]}
nodes:
  - {op: time_distributed, name: conv, layer: {op: conv2d, filters: 4, kernel_size: 3}}
  - {op: relu, name: act}
  - {op: time_distributed, name: pool, layer: {op: max_pool2d, pool_size: 2}}
  - {op: time_distributed, name: up, layer: {op: upsampling2d, size: 2}}
outputs: [up, conv]
"""


def test_time_distributed_frames_stay_channels_first():
    """A chain of time-distributed spatial ops (an activation between them) permutes once in
    and once per output, not around every op; outputs equal the Keras model's."""
    model = _model(VIDEO)
    model.params = random_params(model)
    forward = _forward(nnspec.emit(model, "torch"))
    assert forward.count(".permute(") == 3, forward
    assert "clip.permute(0, 1, 4, 2, 3)" in forward
    x = random_inputs(model, [(2, 3, 9, 9, 2)])  # and a second input (run_* run both)
    assert_close(run_keras(nnspec.to_keras(model), x), run_torch(nnspec.to_torch(model), x))
