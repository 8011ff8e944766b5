"""PyTorch -> spec. Importing this package does not import torch until a function is called.

``from_torch`` traces an ``nn.Module`` with torch.fx, runs it once on example inputs for the
shapes, and writes the canonical (channels-last) spec with the module's weights in canonical
layouts. ``load_module`` imports a user's ``file.py:ClassName`` and loads safetensors weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnspec.spec.extras import framework_import

if TYPE_CHECKING:
    import torch

    from nnspec.spec.model import Model


def from_torch(
    module: torch.nn.Module,
    example_inputs: Any,
    *,
    input_layout: str = "channels_first",
    output_layout: str | None = None,
    name: str | None = None,
    batch_dim: int | tuple[int, ...] = 0,
) -> Model:
    """Spec plus weights from ``module``, traced on ``example_inputs`` (a tensor or a tuple,
    one per ``forward`` argument; only their shapes beyond the batch are baked in).

    ``input_layout="channels_first"`` (the default) keeps PyTorch's layout at the spec's
    inputs: an image input stays (N, C, H, W) and the spec transposes it once. With
    ``"channels_last"`` every input of rank >= 3 is (N, ..., C) instead. ``output_layout``
    does the same for the outputs and defaults to ``input_layout``. ``batch_dim`` names the
    PyTorch dim holding the batch (see :mod:`.boundary`).
    """
    with framework_import("from_torch"):
        from .importer import from_torch as convert

    return convert(
        module,
        example_inputs,
        input_layout=input_layout,
        output_layout=output_layout,
        name=name,
        batch_dim=batch_dim,
    )


def load_module(
    spec: str, weights_path: str | Path | None = None, **init_kwargs: Any
) -> torch.nn.Module:
    """Import ``path.py:ClassName`` (this executes the file: only use code you trust),
    instantiate it with ``init_kwargs`` and load ``weights_path``, a safetensors state dict
    (pickle-based files are refused). Returns the module in eval mode."""
    with framework_import("load_module"):
        from .user_code import load_module as load

    return load(spec, weights_path, **init_kwargs)


def load_weights(module: torch.nn.Module, weights_path: str | Path) -> None:
    """Load a safetensors state dict into ``module`` (strict)."""
    with framework_import("load_weights"):
        from .user_code import load_weights as load

    load(module, weights_path)
