"""Helpers shared by the spec tests (fixtures are in conftest.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from nnspec.spec.io import loads
from nnspec.spec.validate import weight_decls

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))


def random_params(model, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights for every declared weight; variances positive, as trained ones are."""
    rng = np.random.default_rng(seed)
    params = {}
    for node, weights in weight_decls(model).items():
        for name, w in weights.items():
            value = rng.normal(size=w.shape)
            if name == "moving_variance":
                value = rng.uniform(0.5, 2.0, size=w.shape)
            params[f"{node}/{name}"] = value.astype(w.dtype)
    return params


def model_with_params(text: str, seed: int = 0):
    model = loads(textwrap.dedent(text))
    model.params = random_params(model, seed)
    return model
