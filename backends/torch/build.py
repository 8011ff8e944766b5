"""Execute generated source and load the weights: the module is exactly the emitted file."""

from __future__ import annotations

import hashlib
import linecache
import sys
import types

import numpy as np
import torch

from nnspec.spec.errors import ConversionError

from .codegen import NODE_LINES, TorchSource


def instantiate(src: TorchSource) -> torch.nn.Module:
    """Run the generated source in a fresh namespace. The state dict's arrays are the
    generator's own (none is the spec's), so the module takes them without a copy."""
    module = construct(src)
    load_weights(module, src.state_dict)
    return module.eval()


def construct(src: TorchSource) -> torch.nn.Module:
    """The generated class, instantiated on the meta device: no memory for PyTorch's own
    initial values, which the state dict replaces anyway."""
    with torch.device("meta"):
        return getattr(_generated_module(src), src.class_name)()


def _generated_module(src: TorchSource) -> types.ModuleType:
    """The source run as a module registered in ``sys.modules``, as an imported file is:
    ``torch.compile`` of a module that holds the generated one imports it by name. Named
    after its source, so converting the same model again reuses the module (no growth)."""
    digest = hashlib.sha1(src.source.encode())
    digest.update(repr(sorted(src.node_lines.items())).encode())
    name = f"nnspec_generated_{src.class_name}_{digest.hexdigest()[:12]}"
    if name in sys.modules:
        return sys.modules[name]
    filename = f"<{name}>"
    lines = src.source.splitlines(keepends=True)
    linecache.cache[filename] = (len(src.source), None, lines, filename)  # readable tracebacks
    module = types.ModuleType(name)
    module.__file__ = filename
    # NODE_LINES (not in the file): which line of forward binds which node, for the report
    setattr(module, NODE_LINES, src.node_lines)
    exec(compile(src.source, filename, "exec"), module.__dict__)  # noqa: S102 (nnspec's own output)
    sys.modules[name] = module
    return module


def load_weights(module: torch.nn.Module, state: dict[str, np.ndarray]) -> None:
    """Each array becomes the module's tensor on the same memory (no copy), as
    ``load_state_dict(assign=True)`` does, but in one pass: that filters the whole state dict
    for every submodule (quadratic: 0.8 s of a 1,000-node EfficientNetV2L)."""
    tensors = {k: torch.from_numpy(_writable(v)) for k, v in state.items()}
    slots = _state_slots(module)
    if slots is None:  # a submodule with its own loading logic: PyTorch's way
        try:
            module.load_state_dict(tensors, strict=True, assign=True)
        except RuntimeError as e:
            raise ConversionError(f"generated module does not accept its weights: {e}") from None
        return
    missing, unexpected = sorted(slots.keys() - tensors.keys()), sorted(tensors.keys() - slots)
    if missing or unexpected:
        raise ConversionError(
            f"generated module does not accept its weights: missing {missing}, "
            f"unexpected {unexpected}"
        )
    for key, value in tensors.items():
        owner, name, is_parameter = slots[key]
        old = getattr(owner, name)
        if old.shape != value.shape:
            raise ConversionError(
                f"generated module does not accept its weights: {key!r} has shape "
                f"{tuple(value.shape)}, the module's {tuple(old.shape)}"
            )
        if is_parameter:  # setattr, not _parameters[...]: an RNN refreshes its flat weights
            value = torch.nn.Parameter(value, requires_grad=old.requires_grad)
        setattr(owner, name, value)


# Modules whose _load_from_state_dict does nothing a full state dict needs: batch norm's
# only adds num_batches_tracked when a pre-2019 state dict lacks it.
_PLAIN_LOADERS = {
    torch.nn.Module._load_from_state_dict,
    torch.nn.modules.batchnorm._NormBase._load_from_state_dict,
}


def _state_slots(module: torch.nn.Module) -> dict[str, tuple[torch.nn.Module, str, bool]] | None:
    """{state-dict key: (submodule, attribute, is a parameter)}, the keys ``state_dict()``
    has; None when a submodule saves or loads its state its own way (hooks, extra state,
    its own ``_save_to_state_dict`` or ``_load_from_state_dict``)."""
    slots: dict[str, tuple[torch.nn.Module, str, bool]] = {}
    for prefix, sub in module.named_modules(remove_duplicate=False):
        cls = type(sub)
        if (
            cls._load_from_state_dict not in _PLAIN_LOADERS
            or cls._save_to_state_dict is not torch.nn.Module._save_to_state_dict
            or cls.get_extra_state is not torch.nn.Module.get_extra_state
            or sub._load_state_dict_pre_hooks
            or sub._load_state_dict_post_hooks
            or sub._state_dict_hooks
            or sub._state_dict_pre_hooks
        ):
            return None
        at = f"{prefix}." if prefix else ""
        for name, p in sub._parameters.items():
            if p is not None:
                slots[at + name] = (sub, name, True)
        for name, b in sub._buffers.items():
            if b is not None and name not in sub._non_persistent_buffers_set:
                slots[at + name] = (sub, name, False)
    return slots


def _writable(a: np.ndarray) -> np.ndarray:
    if a.flags.writeable and a.flags.c_contiguous:
        return a
    return np.array(a, order="C", copy=True)  # keeps 0-d arrays (num_batches_tracked) 0-d
