"""Train the converted module as Keras' fit trains the original (written by nnspec).

Standalone: it needs torch and safetensors, not nnspec. The optimizer, loss (with the L1/L2
penalties), learning-rate schedule, metrics and batch-norm statistics follow Keras' rules, not
torch.optim's (Adam's epsilon, Keras' crossentropy on probabilities, the biased batch
variance): the helpers below are copied from nnspec's own, tested modules. Replace
``load_data`` with your data; the rest is an ordinary PyTorch loop.
"""

from __future__ import annotations

import argparse
import importlib.util
import math  # noqa: F401 (the copied helpers use it)
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch.utils.data import DataLoader, TensorDataset

# --- settings (written by nnspec convert) ---
HERE = Path(__file__).resolve().parent
MODULE_FILE = HERE / "model.py"
CLASS_NAME = "Model"
STATE_FILE = HERE / "model.safetensors"
INPUT_SHAPES = [(8,)]
INPUT_DTYPES = ["float32"]
TARGET_SHAPES = [(3,)]
TARGET_KINDS = ["onehot"]
OPTIMIZER_SETTINGS = {"lr": 0.001, "epsilon": 1e-07}
SCHEDULE = None  # or (name, settings): the learning rate at each step, as Keras computes it
LOSSES: list[tuple[str, dict, str, float]] = [
    ("categorical_crossentropy", {}, "sum_over_batch_size", 1.0)
]  # one per output
METRICS = [("categorical_accuracy", "categorical_accuracy", 0)]  # (label, name, output)
PENALTIES = [("hidden.weight", 0.0, 0.0001)]  # (parameter, l1, l2): Keras' regularisers
NON_NEGATIVE: list[str] = []  # parameters clamped at 0 after each step (Keras' NonNeg constraint)
FROZEN: list[str] = []  # parameters of trainable=False layers
FROZEN_BATCH_NORMS: list[str] = []  # their batch norms, in inference mode as Keras runs them in fit
# --- end of settings ---

# --- helpers (copied by nnspec convert from nnspec's modules) ---
from nnspec.backends.torch.training.batch_norm import KerasMovingVariance, inference_mode
from nnspec.backends.torch.training.losses import (
    LOSS_FUNCTIONS,
    categorical_accuracy,
)
from nnspec.backends.torch.training.optimizers import KerasAdam as Optimizer
from nnspec.spec.training import SCHEDULE_FUNCTIONS

ACCURACIES = {"categorical_accuracy": categorical_accuracy}
# --- end of helpers ---


def load_module() -> torch.nn.Module:
    spec = importlib.util.spec_from_file_location(MODULE_FILE.stem, MODULE_FILE)
    source = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(source)
    module = getattr(source, CLASS_NAME)()
    module.load_state_dict(load_file(STATE_FILE))
    return module


def load_data(samples: int, seed: int = 0) -> TensorDataset:
    """A synthetic data set of the right shapes, targets a fixed function of the inputs, so
    the loss can go down. Replace it with your own tensors."""
    g = torch.Generator().manual_seed(seed)
    inputs = [
        torch.randint(0, 2, (samples, *shape), generator=g)  # token ids: 0 or 1 fit any table
        if dtype.startswith("int")
        else torch.randn(samples, *shape, generator=g)
        for shape, dtype in zip(INPUT_SHAPES, INPUT_DTYPES)
    ]
    signal = sum(x.flatten(1).float().sum(1, keepdim=True) for x in inputs)
    targets = []
    for shape, kind in zip(TARGET_SHAPES, TARGET_KINDS):
        width = shape[-1] if shape else 1
        score = torch.cat([signal * (k - width / 2) for k in range(width)], dim=1)
        if kind == "onehot":
            targets.append(F.one_hot(score.argmax(1), width).float())
        elif kind == "index":
            targets.append(score.argmax(1))
        elif kind == "binary":
            targets.append((score > 0).float())
        else:
            targets.append(torch.tanh(score / score.std()))
    return TensorDataset(*inputs, *targets)


def setup(module: torch.nn.Module):
    """Freeze what Keras froze, give batch norm Keras' statistics, and build the optimizer
    and the per-batch learning-rate schedule (None for a constant rate)."""
    params = dict(module.named_parameters())
    for name in FROZEN:
        params[name].requires_grad_(False)
    for name in FROZEN_BATCH_NORMS:
        module.get_submodule(name).register_forward_pre_hook(inference_mode)
    for sub in module.modules():
        if isinstance(sub, torch.nn.modules.batchnorm._BatchNorm):
            KerasMovingVariance(sub)
    optimizer = Optimizer([p for p in params.values() if p.requires_grad], **OPTIMIZER_SETTINGS)
    if SCHEDULE is None:
        return optimizer, None
    name, settings = SCHEDULE
    for group in optimizer.param_groups:  # LambdaLR multiplies the group's first rate
        group["lr"] = 1.0
    rate = SCHEDULE_FUNCTIONS[name]
    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: rate(t, **settings))


def as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def loss_of(module: torch.nn.Module, outputs, targets) -> torch.Tensor:
    """Each output's Keras loss (weighted), plus the L1/L2 penalties of trainable weights."""
    total = None
    for (name, options, reduction, weight), p, y in zip(LOSSES, as_list(outputs), as_list(targets)):
        per_sample = LOSS_FUNCTIONS[name](y, p, **options)
        value = per_sample.sum() if reduction == "sum" else per_sample.mean()
        term = value if weight == 1.0 else weight * value
        total = term if total is None else total + term
    params = dict(module.named_parameters())
    for name, l1, l2 in PENALTIES:
        p = params[name]
        if not p.requires_grad:
            continue
        if l1:
            total = total + l1 * p.abs().sum()
        if l2:
            total = total + l2 * p.square().sum()
    assert total is not None, "a model has at least one output"
    return total


def metric(name: str, p: torch.Tensor, y: torch.Tensor) -> float:
    if name in ACCURACIES:
        return float(ACCURACIES[name](p, y))
    return float(LOSS_FUNCTIONS[name](y, p).mean())  # a loss as a metric, Keras' defaults


def train(module, optimizer, scheduler, loader: DataLoader, epochs: int) -> list[float]:
    """One optimizer step per batch; returns each epoch's mean loss."""
    n_inputs = len(INPUT_SHAPES)
    params = dict(module.named_parameters())
    history = []
    for epoch in range(epochs):
        module.train()
        total, sums = 0.0, [0.0] * len(METRICS)
        for batch in loader:
            inputs, targets = batch[:n_inputs], batch[n_inputs:]
            targets = targets[0] if len(targets) == 1 else list(targets)
            optimizer.zero_grad()
            outputs = module(*inputs)
            loss = loss_of(module, outputs, targets)
            loss.backward()
            optimizer.step()  # Keras' update; clipping and weight decay inside
            with torch.no_grad():
                for name in NON_NEGATIVE:
                    params[name].clamp_(min=0.0)
            if scheduler is not None:
                scheduler.step()  # once per batch, as Keras counts steps
            total += loss.item()
            with torch.no_grad():
                for i, (_, name, output) in enumerate(METRICS):
                    sums[i] += metric(name, as_list(outputs)[output], as_list(targets)[output])
        history.append(total / len(loader))
        shown = "".join(f"  {n} {v / len(loader):.4f}" for (n, _, _), v in zip(METRICS, sums))
        print(f"epoch {epoch + 1}/{epochs}  loss {history[-1]:.4f}{shown}")
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--samples", type=int, default=512)
    args = parser.parse_args()
    module = load_module()
    optimizer, scheduler = setup(module)
    loader = DataLoader(load_data(args.samples), batch_size=args.batch_size, shuffle=True)
    train(module, optimizer, scheduler, loader, args.epochs)


if __name__ == "__main__":
    main()
