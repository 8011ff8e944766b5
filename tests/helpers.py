"""Shared test utilities: single-node models from op samples, random weights, comparisons."""

from __future__ import annotations

import numpy as np

from nnspec.spec.model import InputSpec, Model
from nnspec.spec.node import Sample
from nnspec.spec.ops import catalog
from nnspec.spec.validate import weight_decls

TOLERANCE = 1e-4  # max|a - b| <= TOLERANCE * max(1, max|ref|), float32


def model_for_sample(tag: str, sample: Sample) -> Model:
    """A model with one node of op ``tag`` fed by the sample's inputs (batch left symbolic
    in the spec, so the backends handle an unknown batch size)."""
    attrs = {k: v for k, v in sample.attrs.items() if k != "op"}
    names = [f"x{i}" for i in range(len(sample.inputs))]
    inputs = {
        n: InputSpec(shape=["batch", *s[1:]], dtype=sample.input_dtype)
        for n, s in zip(names, sample.inputs)
    }
    node = catalog()[tag].model_validate({**attrs, "name": "node", "inputs": names})
    return Model(name=f"{tag}_{sample.name}", inputs=inputs, nodes=[node])


def random_params(model: Model, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights with non-zero biases; variances positive, so errors show everywhere."""
    rng = np.random.default_rng(seed)
    out = {}
    for node, weights in weight_decls(model).items():
        for param, w in weights.items():
            if "variance" in param:
                value = rng.uniform(0.5, 1.5, w.shape)
            else:
                value = rng.normal(0.0, 0.5, w.shape)
            out[f"{node}/{param}"] = value.astype(w.dtype)
    return out


def random_inputs(model: Model, shapes, sample: Sample | None = None, seed: int = 1):
    rng = np.random.default_rng(seed)
    arrays = []
    for (_, spec), shape in zip(model.inputs.items(), shapes):
        if spec.dtype.startswith("int"):
            lo, hi = sample.input_range if sample and sample.input_range else (0, 10)
            arrays.append(rng.integers(lo, hi, shape).astype(spec.dtype))
        else:
            arrays.append(rng.normal(0.0, 1.0, shape).astype(spec.dtype))
    return arrays


def run_torch(module, arrays):
    import torch

    with torch.no_grad():
        out = module(*[torch.from_numpy(a) for a in arrays])
    outs = out if isinstance(out, tuple) else (out,)
    return [o.numpy() for o in outs]


def run_keras(model, arrays):
    out = model(arrays if len(arrays) > 1 else arrays[0], training=False)
    outs = out if isinstance(out, list | tuple) else [out]
    return [np.asarray(o) for o in outs]


def torch_param_count(module) -> int:
    """Trainable parameters plus running statistics: what Keras' count_params() counts."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad) + sum(
        b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked")
    )


def assert_close(ref: list[np.ndarray], got: list[np.ndarray], atol: float = TOLERANCE):
    assert len(ref) == len(got), f"{len(ref)} reference outputs, {len(got)} converted"
    for k, (a, b) in enumerate(zip(ref, got)):
        assert a.shape == b.shape, f"output {k}: shape {a.shape} vs {b.shape}"
        bound = atol * max(1.0, float(np.abs(a).max()) if a.size else 1.0)
        err = float(np.abs(a.astype(np.float64) - b).max()) if a.size else 0.0
        assert err <= bound, f"output {k}: max abs error {err:.3g} > {bound:.3g}"
