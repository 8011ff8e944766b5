"""The Python API. Frameworks are imported only by the function that needs them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import keras
    import torch

    from nnspec.backends.torch.training import TorchTraining
    from nnspec.spec import Model


def from_keras(model: keras.Model) -> Model:
    """Spec plus weights from a built ``keras.Model`` (Sequential or functional)."""
    from nnspec.frontends.keras import from_keras as convert

    return convert(model)


def load_keras_file(path: str | os.PathLike[str]) -> Model:
    """Spec plus weights from a Keras file, recognised by content: a Keras 3 ``.keras``, a
    Keras 2 / tf.keras HDF5 (whatever its name) or a tf.keras SavedModel directory."""
    from nnspec.frontends.keras import from_keras as convert
    from nnspec.frontends.keras import read_keras_file

    model, read = read_keras_file(Path(path))
    spec = convert(model)
    spec.metadata["read_from"] = read
    return spec


def from_torch(
    module: torch.nn.Module,
    example_inputs: torch.Tensor | tuple[torch.Tensor, ...] | list[torch.Tensor],
    *,
    input_layout: str = "channels_first",
    optimizer: torch.optim.Optimizer | None = None,
    loss: torch.nn.Module | None = None,
    batch_dim: int | tuple[int, ...] = 0,
) -> Model:
    """Spec plus weights from an ``nn.Module`` traced with torch.fx on ``example_inputs``.

    ``input_layout`` says how the module reads its image inputs: "channels_first" (NCHW,
    PyTorch's usual layout; the spec keeps it at its boundary) or "channels_last".
    ``optimizer`` and ``loss`` (a torch optimizer and loss module) become the spec's
    ``training:`` section, or are refused with the reason. ``batch_dim`` (one int, or one
    per forward argument) names the PyTorch dim that holds the batch: 1 for time-major
    sequences and recurrent states (``batch_first=False``); the spec holds it first and its
    metadata's ``torch_layout`` records every input and output whose dims moved.
    """
    from nnspec.frontends.torch import from_torch as convert

    spec = convert(module, example_inputs, input_layout=input_layout, batch_dim=batch_dim)
    if optimizer is not None or loss is not None:
        from nnspec.frontends.torch.training import training_from_torch

        spec.training = training_from_torch(spec, optimizer, loss, module=module)
        spec.check()
    return spec


def to_torch(
    model: Model, *, channels_first: bool = False, seed: int | None = 0
) -> torch.nn.Module:
    """A ``torch.nn.Module`` in eval mode with the weights loaded.

    Its forward takes the spec's inputs positionally, in the same (channels-last) layout;
    ``channels_first=True`` takes image inputs as (N, C, ...) instead. A spec without weights
    gets values drawn from its initialisers in numpy: ``seed`` gives the same values as
    ``to_keras(model, seed=...)``; ``seed=None`` draws fresh ones.
    """
    from nnspec.backends.torch import build_module
    from nnspec.spec.budget import check_fits

    check_fits(model)
    return build_module(model, channels_first=channels_first, seed=seed)


def to_keras(model: Model, *, seed: int | None = 0) -> keras.Model:
    """The model rebuilt as a ``keras.Model`` with the same weights, compiled as the spec's
    ``training:`` section says when it has one. ``seed``: as for :func:`to_torch`."""
    from nnspec.backends.keras import build_model
    from nnspec.spec.budget import check_fits

    check_fits(model)
    return build_model(model, seed=seed)


def torch_training(model: Model, module: torch.nn.Module) -> TorchTraining:
    """Optimizer, scheduler, loss, metrics and ``step`` that train ``module`` (generated from
    ``model``) as Keras' ``fit`` trains the Keras model. See backends/torch/training."""
    from nnspec.backends.torch.training import torch_training as build

    return build(model, module)


def emit(model: Model, framework: Literal["torch", "keras"], **options: Any) -> str:
    """Readable Python source building the model in ``framework``."""
    from nnspec.spec.budget import check_fits

    check_fits(model, what="generate it")  # the PyTorch generator converts every weight
    if framework == "torch":
        from nnspec.backends.torch import emit_source as torch_source

        return torch_source(model, **options)
    if framework == "keras":
        from nnspec.backends.keras import emit_source as keras_source

        return keras_source(model, **options)
    raise ValueError(f"framework must be 'torch' or 'keras', got {framework!r}")
