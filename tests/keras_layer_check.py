"""One parity check for a Keras model built from stock layers: Keras -> spec -> PyTorch and
spec -> Keras, on two different inputs (helpers.run_*), with equal parameter counts."""

from __future__ import annotations

import numpy as np
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec


def randomise(model, seed: int = 0) -> None:
    """Random float weights everywhere (scales positive), so a dropped weight shows."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        if not str(w.dtype).startswith("float"):
            continue
        name = w.path.split("/")[-1]
        if "variance" in name or name in ("gamma", "scale"):
            v = rng.uniform(0.5, 1.5, w.shape)
        else:
            v = rng.normal(0, 0.3, w.shape)
        w.assign(v.astype(str(w.dtype)))


def check(model, arrays, atol: float = 1e-4, dropped: int = 0):
    """Both backends give Keras' numbers; returns the spec. ``dropped``: Keras weights used
    in training only, which the spec does not carry (SpectralNormalization's ``vector_u``)."""
    spec = nnspec.from_keras(model)
    ref = run_keras(model, arrays)
    module = nnspec.to_torch(spec)
    assert_close(ref, run_torch(module, arrays), atol=atol)
    fixed = sum(  # arrays in the Keras graph are buffers of the PyTorch module
        spec.params[f"{n.name}/value"].size
        for n in spec.nodes
        if n.op == "constant" and not n.trainable
    )
    assert torch_param_count(module) - fixed == model.count_params() - dropped
    rebuilt = nnspec.to_keras(spec)
    assert_close(ref, run_keras(rebuilt, arrays), atol=atol)
    assert rebuilt.count_params() - fixed == model.count_params() - dropped
    return spec
