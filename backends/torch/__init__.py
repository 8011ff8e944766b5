"""Spec -> PyTorch. ``emit_source`` needs no torch; ``build`` imports it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nnspec._gc import gc_paused
from nnspec.spec.extras import framework_import

if TYPE_CHECKING:
    import torch

    from nnspec.spec.model import Model


def emit_source(model: Model, *, channels_first: bool = False) -> str:
    from .codegen import generate

    return generate(model, channels_first=channels_first).source


def build_module(
    model: Model, *, channels_first: bool = False, seed: int | None = 0
) -> torch.nn.Module:
    with framework_import("building a PyTorch module"):
        from .build import instantiate
    from .codegen import generate

    with gc_paused():  # (nnspec/_gc.py)
        module = instantiate(generate(model, channels_first=channels_first, seed=seed))
    if channels_first:  # read by torch_training: Keras' losses want the Keras layout
        module.nnspec_channels_first = True  # type: ignore[assignment]  # a plain attribute
    return module
