"""A generated module works with torch.compile, torch.export and torch.onnx.export.

The model is small but has what a converted CNN has: a strided 'same' convolution (explicit
F.pad), a depthwise convolution, batch norm, activations, a residual add, pooling with
'same' padding, global pooling, a learned per-channel scale and a dense head; its inputs are
channels-last with a symbolic batch.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnspec

torch = pytest.importorskip("torch")

SPEC = """
nnspec: 1
name: small_cnn
inputs:
  image: {shape: [batch, 16, 16, 3]}
nodes:
  - {op: conv2d, name: stem, filters: 8, kernel_size: 3, strides: 2, padding: same}
  - {op: batch_norm, name: stem_bn, epsilon: 0.001}
  - {op: activation, name: stem_act, activation: silu}
  - {op: depthwise_conv2d, name: dw, kernel_size: 3, padding: same}
  - {op: batch_norm, name: dw_bn}
  - {op: activation, name: dw_act, activation: relu6}
  - {op: layer_scale, name: scale}
  - {op: add, name: residual, inputs: [scale, stem_act]}
  - {op: max_pool2d, name: pool, pool_size: 3, strides: 2, padding: same}
  - {op: global_avg_pool2d, name: gap}
  - {op: dense, name: logits, units: 5}
"""


def _params(model, seed=0):
    from nnspec.spec.checked import weight_decls

    rng = np.random.default_rng(seed)
    out = {}
    for node, weights in weight_decls(model).items():
        for name, w in weights.items():
            lo = 0.5 if "variance" in name else -1.0
            out[f"{node}/{name}"] = rng.uniform(lo, 1.5, w.shape).astype(w.dtype)
    return out


@pytest.fixture(scope="module")
def module():
    model = nnspec.loads(SPEC)
    model.params = _params(model)
    return nnspec.to_torch(model)


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(1)
    return [torch.from_numpy(rng.normal(0, 1, (b, 16, 16, 3)).astype("float32")) for b in (2, 3)]


def _expected(module, inputs):
    with torch.no_grad():
        return [module(x) for x in inputs]


def test_torch_compile(module, inputs):
    compiled = torch.compile(module, dynamic=True)
    with torch.no_grad():
        for x, want in zip(inputs, _expected(module, inputs)):
            torch.testing.assert_close(compiled(x), want, rtol=1e-4, atol=1e-5)


def test_torch_compile_of_a_module_that_holds_it(module, inputs):
    """A user's model wrapping the generated one: dynamo inlines the generated forward and
    imports its module by name, so the generated source must be a registered module."""
    wrapper = torch.nn.Sequential(torch.nn.Identity(), module)
    compiled = torch.compile(wrapper, backend="eager")  # dynamo's tracing is what is tested
    with torch.no_grad():
        for x, want in zip(inputs, _expected(module, inputs)):
            torch.testing.assert_close(compiled(x), want, rtol=1e-5, atol=1e-6)


def test_generated_class_has_source_and_one_module_per_source(module):
    import inspect

    cls = type(module)
    assert inspect.getsource(cls).startswith(f"class {cls.__name__}(nn.Module):")
    again = nnspec.to_torch(nnspec.loads(SPEC))  # same source: the same module, not a new one
    assert type(again) is cls
    other = nnspec.loads(SPEC.replace("units: 5", "units: 6"))
    assert type(nnspec.to_torch(other)).__module__ != cls.__module__


def test_torch_export_dynamic_batch(module, inputs):
    batch = torch.export.Dim("batch", min=1, max=1024)
    program = torch.export.export(module, (inputs[0],), dynamic_shapes=({0: batch},))
    exported = program.module()
    with torch.no_grad():
        for x, want in zip(inputs, _expected(module, inputs)):
            torch.testing.assert_close(exported(x), want, rtol=1e-5, atol=1e-6)
    # Every weight is a parameter or buffer the program knows: nothing was left on meta.
    assert not any(t.is_meta for t in program.state_dict.values())


@pytest.mark.parametrize("dynamo", [True, False], ids=["dynamo", "torchscript"])
def test_torch_onnx_export(module, inputs, dynamo, tmp_path):
    onnx = pytest.importorskip("onnx")
    if dynamo:
        pytest.importorskip("onnxscript")
    path = tmp_path / "small_cnn.onnx"
    kwargs = (
        dict(dynamic_shapes=({0: torch.export.Dim("batch", min=1, max=1024)},))
        if dynamo
        else dict(dynamic_axes={"image": {0: "batch"}})
    )
    torch.onnx.export(
        module,
        (inputs[0],),
        str(path),
        input_names=["image"],
        output_names=["logits"],
        dynamo=dynamo,
        **kwargs,
    )
    onnx.checker.check_model(onnx.load(str(path)))
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    for x, want in zip(inputs, _expected(module, inputs)):
        (got,) = session.run(None, {"image": x.numpy()})
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)
