"""Initialisers in numpy, so a spec without weights gets the same values in every framework."""

from __future__ import annotations

import math

import numpy as np

from .node import Weight


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def initial_value(w: Weight, rng: np.random.Generator) -> np.ndarray:
    """Draw a weight's initial value as Keras' initialiser of the same name would."""
    shape, name = w.shape, w.init
    fan_in, fan_out = _fans(shape)
    if name == "zeros":
        out = np.zeros(shape)
    elif name == "unit_forget":  # LSTM bias: zeros, with ones for the forget gate (i, f, c, o)
        out = np.zeros(shape)
        out[shape[0] // 4 : shape[0] // 2] = 1.0
    elif name == "ones":
        out = np.ones(shape)
    elif name == "uniform":
        out = rng.uniform(-0.05, 0.05, shape)
    elif name == "normal":
        out = rng.normal(0.0, 0.05, shape)
    elif name == "orthogonal":
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        out = (q if rows >= cols else q.T)[:rows, :cols].reshape(shape)
    else:
        family, dist = name.rsplit("_", 1)
        scale = {"glorot": 2.0 / (fan_in + fan_out), "he": 2.0 / fan_in, "lecun": 1.0 / fan_in}[
            family
        ]
        if dist == "uniform":
            limit = math.sqrt(3.0 * scale)
            out = rng.uniform(-limit, limit, shape)
        else:  # truncated normal at two standard deviations, as Keras draws it
            std = math.sqrt(scale) / 0.87962566103423978
            out = rng.normal(0.0, std, shape)
            bad = np.abs(out) > 2 * std
            while bad.any():
                out[bad] = rng.normal(0.0, std, int(bad.sum()))
                bad = np.abs(out) > 2 * std
    return np.asarray(out, dtype=w.dtype)


def initial_params(
    decls: dict[str, dict[str, Weight]], seed: int | None = 0
) -> dict[str, np.ndarray]:
    """Arrays for every declared weight, keyed ``node/param``, drawn in spec order."""
    rng = np.random.default_rng(seed)
    return {
        f"{node}/{param}": initial_value(w, rng)
        for node, weights in decls.items()
        for param, w in weights.items()
    }
