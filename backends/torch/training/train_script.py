"""Train the converted module as Keras' fit trains the original (written by nnspec).

Optimizer, loss (with the L1/L2 penalties), learning-rate schedule and metrics come from the
spec's ``training:`` section through ``nnspec.torch_training``: Keras' update rules, not
torch.optim's (Adam's epsilon, Keras' crossentropy on probabilities). Replace ``load_data``
with your data; the rest is an ordinary PyTorch loop.
"""

import argparse
import importlib.util
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch.utils.data import DataLoader, TensorDataset

import nnspec

# --- settings (written by nnspec convert) ---
HERE = Path(__file__).resolve().parent
MODULE_FILE = HERE / "model.py"
CLASS_NAME = "Model"
STATE_FILE = HERE / "model.safetensors"
SPEC_FILE = HERE / "model.yaml"
INPUT_SHAPES = [(8,)]
INPUT_DTYPES = ["float32"]
TARGET_SHAPES = [(3,)]
TARGET_KINDS = ["onehot"]
# --- end of settings ---


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
            targets.append(torch.nn.functional.one_hot(score.argmax(1), width).float())
        elif kind == "index":
            targets.append(score.argmax(1))
        elif kind == "binary":
            targets.append((score > 0).float())
        else:
            targets.append(torch.tanh(score / score.std()))
    return TensorDataset(*inputs, *targets)


def train(module, setup, loader: DataLoader, epochs: int) -> list[float]:
    """One optimizer step per batch; returns each epoch's mean loss."""
    n_inputs = len(INPUT_SHAPES)
    history = []
    for epoch in range(epochs):
        module.train()
        total, sums = 0.0, dict.fromkeys(setup.metrics, 0.0)
        for batch in loader:
            inputs, targets = batch[:n_inputs], batch[n_inputs:]
            targets = targets[0] if len(targets) == 1 else list(targets)
            setup.optimizer.zero_grad()
            outputs = module(*inputs)
            loss = setup.loss(outputs, targets)  # the spec's loss plus L1/L2 penalties
            loss.backward()
            setup.optimizer.step()  # Keras' update; clipping and weight decay inside
            setup.apply_constraints()
            if setup.scheduler is not None:
                setup.scheduler.step()  # once per batch, as Keras counts steps
            total += loss.item()
            with torch.no_grad():
                for name, metric in setup.metrics.items():
                    sums[name] += float(metric(outputs, targets))
        history.append(total / len(loader))
        metrics = "".join(f"  {k} {v / len(loader):.4f}" for k, v in sums.items())
        print(f"epoch {epoch + 1}/{epochs}  loss {history[-1]:.4f}{metrics}")
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--samples", type=int, default=512)
    args = parser.parse_args()
    module = load_module()
    setup = nnspec.torch_training(nnspec.load(SPEC_FILE), module)
    loader = DataLoader(load_data(args.samples), batch_size=args.batch_size, shuffle=True)
    train(module, setup, loader, args.epochs)


if __name__ == "__main__":
    main()
