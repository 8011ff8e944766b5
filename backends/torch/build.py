"""Execute generated source and load the weights: the module is exactly the emitted file."""

from __future__ import annotations

import linecache

import numpy as np
import torch

from nnspec.spec.errors import ConversionError

from .codegen import TorchSource


def instantiate(src: TorchSource) -> torch.nn.Module:
    """Run the generated source in a fresh namespace. The state dict's arrays are the
    generator's own (none is the spec's), so the module takes them without a copy."""
    module = construct(src)
    load_weights(module, src.state_dict)
    return module.eval()


def construct(src: TorchSource) -> torch.nn.Module:
    """The generated class, instantiated on the meta device: no memory for PyTorch's own
    initial values, which the state dict replaces anyway."""
    filename = f"<nnspec generated {src.class_name}>"
    lines = src.source.splitlines(keepends=True)
    linecache.cache[filename] = (len(src.source), None, lines, filename)  # readable tracebacks
    namespace: dict = {"__name__": f"nnspec_generated_{src.class_name}"}
    exec(compile(src.source, filename, "exec"), namespace)  # noqa: S102 (nnspec's own output)
    with torch.device("meta"):
        return namespace[src.class_name]()


def load_weights(module: torch.nn.Module, state: dict[str, np.ndarray]) -> None:
    """Each array becomes the module's tensor on the same memory (``assign=True``: no copy)."""
    tensors = {k: torch.from_numpy(_writable(v)) for k, v in state.items()}
    try:
        module.load_state_dict(tensors, strict=True, assign=True)
    except RuntimeError as e:
        raise ConversionError(f"generated module does not accept its weights: {e}") from None


def _writable(a: np.ndarray) -> np.ndarray:
    if a.flags.writeable and a.flags.c_contiguous:
        return a
    return np.array(a, order="C", copy=True)  # keeps 0-d arrays (num_batches_tracked) 0-d
