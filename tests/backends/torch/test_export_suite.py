"""torch.export, torch.compile and torch.onnx.export (dynamo and TorchScript) on the parity
suite's models: every op sample under the slow marker, a representative subset by default
(a strided 'same' convolution, 'same' pooling, masked and bidirectional recurrent layers,
attention, an embedding). Each exported program is run on a second, different input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from helpers import model_for_sample, random_inputs, random_params

import nnspec
from nnspec.spec.ops import op_modules

torch = pytest.importorskip("torch")

# The default suite's share (the rest is slow): the small CNN of test_export.py covers
# convolutions, pooling and batch norm in every exporter already.
EXPORT = {"lstm-lstm_masked", "gru-gru_bidirectional_sum", "embedding-mask_zero"}
COMPILE: set[str] = set()  # test_export.py compiles the small CNN; each compile takes ~10 s
ONNX = {"lstm-lstm_masked"}
# What PyTorch's ONNX exporters (torch 2.13) or onnxruntime cannot do, each case strict: a
# PyTorch that learns it shows. None is a wrong number of nnspec's: the module's own output
# is the reference (tests above check it against Keras).
_UNEVEN = "exporter: no adaptive pooling to an output size that does not divide the input"
_IDENTITY = (
    "dynamo exporter: a graph returning its input unchanged is invalid ONNX (duplicate name)"
)
_SORT = "exporters: no aten.sort (dynamo: no stable sort; TorchScript: Sort with out parameter)"
_CUMPROD = "exporters: no cumprod (dynamo: no prims.prod)"
_SDPA = "dynamo exporter: scaled_dot_product_attention of non-4-D or masked inputs"
_ONNX_LIMITS = {
    "adaptive_avg_pool2d-adaptive_avg_pool2d_uneven": {"torchscript": _UNEVEN},
    "adaptive_avg_pool2d-adaptive_avg_pool2d_upsample": {"torchscript": _UNEVEN},
    **{
        f"adaptive_max_pool2d-adaptive_max_pool2d_{s}": {"dynamo": _UNEVEN, "torchscript": _UNEVEN}
        for s in ("uneven", "upsample")
    },
    **{
        case: {"dynamo": _IDENTITY}
        for case in (
            "activation-activation_linear",
            "identity-identity",
            "dropout-dropout_noise_shape",
            "gaussian_noise-gaussian_noise",
            "gaussian_dropout-gaussian_dropout",
            "alpha_dropout-alpha_dropout",
            "activity_regularization-activity_regularization",
            "flatten-already_flat",
            "permute-identity",
            "center_crop-center_crop_same",
        )
    },
    **{
        f"{op}-{name}": {"dynamo": reason, "torchscript": reason}
        for op, names, reason in (
            ("sort", ("sort", "sort_descending"), _SORT),
            ("top_k", ("top_k", "top_k_smallest_axis"), _SORT),
            ("cumprod", ("cumprod", "cumprod_negative"), _CUMPROD),
        )
        for name in names
    },
    **{
        f"scaled_dot_product_attention-{name}": {"dynamo": _SDPA}
        for name in ("sdpa_causal_scale", "sdpa_float_mask", "sdpa_bool_mask")
    },
    "attention-attention_dot": {"dynamo": _SDPA},
    **{
        f"rms_norm-{name}": {"torchscript": "TorchScript exporter: no aten::rms_norm"}
        for name in ("last_axis", "features_eps", "two_last_axes", "image_hwc")
    },
    **{
        f"take_along_axis-{name}": {"torchscript": "TorchScript exporter: no take_along_dim"}
        for name in ("take_along_axis", "take_along_last")
    },
    "softplus-softplus_beta": {"torchscript": "TorchScript exporter: softplus with beta"},
    "squeeze-squeeze_all": {"torchscript": "TorchScript exporter: squeeze of every unit dim"},
    "pad-pad_circular": {"torchscript": "TorchScript exporter: circular pad (invalid Concat)"},
    "interpolate-interpolate_bicubic_align_down": {
        "dynamo": "onnxruntime: cubic Resize with these scales",
        "torchscript": "onnxruntime: cubic Resize with these scales",
    },
}


def _cases(default: set[str]) -> list:
    modules = {m.__name__: m for m in op_modules().values()}
    cases = []
    for _, module in sorted(modules.items()):
        only = next(iter(module.OPS)).tag() if len(module.OPS) == 1 else None
        for sample in getattr(module, "samples", list)():
            op = sample.attrs.get("op", only)
            case = f"{op}-{sample.name}"
            marks = () if case in default else (pytest.mark.slow,)
            cases.append(pytest.param(op, sample, id=case, marks=marks))
    ids = {c.id for c in cases}
    assert default <= ids, default - ids
    assert _ONNX_LIMITS.keys() <= ids, _ONNX_LIMITS.keys() - ids  # no limit of a lost case
    return cases


def _setup(op, sample):
    model = model_for_sample(op, sample)
    model.params = random_params(model)
    module = nnspec.to_torch(model)
    first = [torch.from_numpy(a) for a in random_inputs(model, sample.inputs, sample, seed=1)]
    second = [torch.from_numpy(a) for a in random_inputs(model, sample.inputs, sample, seed=2)]
    return module, first, second


def _outputs(out) -> list:
    return list(out) if isinstance(out, tuple | list) else [out]


def _check(fn, module, x, atol=1e-5):
    with torch.no_grad():
        want, got = _outputs(module(*x)), _outputs(fn(*x))
    assert len(want) == len(got)
    for w, g in zip(want, got):
        # (detached: a model may return a parameter itself, e.g. a constant node's output)
        g = g.detach().numpy() if isinstance(g, torch.Tensor) else np.asarray(g)  # ONNX: numpy
        np.testing.assert_allclose(g, w.detach().numpy(), rtol=1e-4, atol=atol)


@pytest.mark.parametrize("op, sample", _cases(EXPORT))
def test_torch_export(op, sample):
    module, first, second = _setup(op, sample)
    program = torch.export.export(module, tuple(first))
    _check(program.module(), module, second)


@pytest.mark.parametrize("op, sample", _cases(COMPILE))
def test_torch_compile(op, sample):
    module, first, second = _setup(op, sample)
    compiled = torch.compile(module)  # nn.LSTM & co. are graph breaks for dynamo, not errors
    _check(compiled, module, first, 1e-4)
    _check(compiled, module, second, 1e-4)


@pytest.mark.parametrize("dynamo", [True, False], ids=["dynamo", "torchscript"])
@pytest.mark.parametrize("op, sample", _cases(ONNX))
def test_torch_onnx_export(op, sample, dynamo, tmp_path, request):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    if dynamo:
        pytest.importorskip("onnxscript")
    limit = _ONNX_LIMITS.get(f"{op}-{sample.name}", {}).get("dynamo" if dynamo else "torchscript")
    if limit:
        request.applymarker(pytest.mark.xfail(reason=limit, strict=True))
    module, first, second = _setup(op, sample)
    path = tmp_path / "model.onnx"
    names = [f"x{i}" for i in range(len(first))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, tuple(first), str(path), input_names=names, dynamo=dynamo)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {i.name: x.numpy() for i, x in zip(session.get_inputs(), second)}
    _check(lambda *_: session.run(None, feeds), module, second, 1e-4)
