"""Keras' losses and metrics in PyTorch, formula for formula.

Crossentropies on probabilities do what Keras does: renormalise (categorical), clip to
[1e-7, 1 - 1e-7], then take the log; on logits (``from_logits``) they use the log-softmax or
log-sigmoid. Every loss is a per-sample value averaged over the last axis (or summed, for the
categorical ones), then reduced: ``sum_over_batch_size`` is the mean of those values.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from nnspec.spec.training import Loss

EPSILON = 1e-7  # keras.config.epsilon()


def _clip(p: torch.Tensor) -> torch.Tensor:
    return p.clamp(EPSILON, 1.0 - EPSILON)


def categorical_crossentropy(y, p, *, from_logits=False, label_smoothing=0.0) -> torch.Tensor:
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + label_smoothing / y.shape[-1]
    if from_logits:
        return -(y * F.log_softmax(p, dim=-1)).sum(-1)
    p = _clip(p / p.sum(-1, keepdim=True))
    return -(y * p.log()).sum(-1)


def sparse_categorical_crossentropy(y, p, *, from_logits=False) -> torch.Tensor:
    y = y.long()
    if y.dim() == p.dim() and y.shape[-1] == 1:
        y = y.squeeze(-1)
    logits = p if from_logits else _clip(p).log()  # Keras: log of clipped probabilities...
    logp = F.log_softmax(logits, dim=-1)  # ...as logits, so they are renormalised
    return -logp.gather(-1, y.unsqueeze(-1)).squeeze(-1)


def binary_crossentropy(y, p, *, from_logits=False, label_smoothing=0.0) -> torch.Tensor:
    y = y.to(p.dtype)
    if label_smoothing:
        y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return F.binary_cross_entropy_with_logits(p, y, reduction="none").mean(-1)
    p = _clip(p)
    return -(y * p.log() + (1.0 - y) * (1.0 - p).log()).mean(-1)


def mean_squared_error(y, p) -> torch.Tensor:
    return (y - p).square().mean(-1)


def mean_absolute_error(y, p) -> torch.Tensor:
    return (y - p).abs().mean(-1)


def huber(y, p, *, delta=1.0) -> torch.Tensor:
    e = (y - p).abs()
    return torch.where(e <= delta, 0.5 * e.square(), delta * e - 0.5 * delta**2).mean(-1)


LOSS_FUNCTIONS: dict[str, Callable] = {
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "huber": huber,
}


def loss_options(loss: Loss) -> dict:
    """The keyword arguments of the per-sample function named ``loss.name``."""
    if loss.name in ("categorical_crossentropy", "binary_crossentropy"):
        return {"from_logits": loss.from_logits, "label_smoothing": loss.label_smoothing}
    if loss.name == "sparse_categorical_crossentropy":
        return {"from_logits": loss.from_logits}
    if loss.name == "huber":
        return {"delta": loss.delta}
    return {}


def per_sample(loss: Loss) -> Callable:
    """``(targets, outputs) -> per-sample loss`` for a spec loss."""
    fn, options = LOSS_FUNCTIONS[loss.name], loss_options(loss)
    return lambda y, p: fn(y, p, **options)


def reduced(loss: Loss) -> Callable:
    """``(outputs, targets) -> scalar``, reduced as Keras reduces it."""
    fn = per_sample(loss)
    if loss.reduction == "sum":
        return lambda p, y: fn(y, p).sum()
    return lambda p, y: fn(y, p).mean()


# --- metrics: (outputs, targets) -> tensor, averaged over the batch --------------------------


def categorical_accuracy(p, y):
    return (p.argmax(-1) == y.argmax(-1)).float().mean()


def sparse_categorical_accuracy(p, y):
    y = y.long()
    if y.dim() == p.dim() and y.shape[-1] == 1:
        y = y.squeeze(-1)
    return (p.argmax(-1) == y).float().mean()


def binary_accuracy(p, y, threshold=0.5):
    return ((p > threshold).to(y.dtype) == y).float().mean()


METRICS: dict[str, Callable] = {
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "binary_accuracy": binary_accuracy,
    "mean_squared_error": lambda p, y: mean_squared_error(y, p).mean(),
    "mean_absolute_error": lambda p, y: mean_absolute_error(y, p).mean(),
    "categorical_crossentropy": lambda p, y: categorical_crossentropy(y, p).mean(),
    "sparse_categorical_crossentropy": lambda p, y: sparse_categorical_crossentropy(y, p).mean(),
    "binary_crossentropy": lambda p, y: binary_crossentropy(y, p).mean(),
}
