"""Loading user code: ``path.py:ClassName`` imported and built, and safetensors weights
loaded into it (pickle-based files are refused: they can run code when loaded)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import torch

from nnspec.spec.errors import ConversionError


def load_module(
    spec: str, weights_path: str | Path | None = None, **init_kwargs: Any
) -> torch.nn.Module:
    """Import ``path.py:ClassName`` (this runs the file: only use code you trust), build the
    class with ``init_kwargs``, and load ``weights_path`` (a safetensors file; pickle-based
    ``.pt``/``.pth`` files are refused: they can run arbitrary code when loaded)."""
    if not isinstance(spec, str) or ":" not in spec:
        raise ConversionError(f"expected 'path/to/file.py:ClassName', got {spec!r}")
    path_str, cls_name = spec.rsplit(":", 1)
    path = Path(path_str)
    if path.suffix != ".py" or not path.is_file():
        raise ConversionError(f"{path_str!r} is not a Python file", file=path_str)
    mod_name = f"nnspec_user_{abs(hash(str(path.resolve())))}"
    loader_spec = importlib.util.spec_from_file_location(mod_name, path)
    mod = importlib.util.module_from_spec(loader_spec)
    sys.modules[mod_name] = mod
    try:
        loader_spec.loader.exec_module(mod)
    except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
        sys.modules.pop(mod_name, None)
        raise ConversionError(
            f"importing {path_str!r} failed: {type(e).__name__}: {e}", file=path_str
        ) from None
    cls = getattr(mod, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        found = sorted(
            k
            for k, v in vars(mod).items()
            if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == mod_name
        )
        raise ConversionError(
            f"{path_str!r} defines no nn.Module class {cls_name!r}",
            file=path_str,
            hint=f"classes found: {', '.join(found)}" if found else None,
        )
    try:
        module = cls(**init_kwargs)
    except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
        raise ConversionError(
            f"{cls_name}({', '.join(f'{k}=...' for k in init_kwargs)}) "
            f"failed: {type(e).__name__}: {e}",
            file=path_str,
        ) from None
    if weights_path is not None:
        load_weights(module, weights_path)
    return module.eval()


def load_weights(module: torch.nn.Module, weights_path: str | Path) -> None:
    """Load a safetensors state dict into ``module`` (strict: every key must match)."""
    path = Path(weights_path)
    if path.suffix != ".safetensors":
        raise ConversionError(
            f"weights {str(path)!r}: only .safetensors files are loaded (pickle-based "
            "torch.save files can run code when loaded)",
            file=str(path),
            hint="save with safetensors.torch.save_file(model.state_dict(), 'state.safetensors')",
        )
    from safetensors.torch import load_file

    try:
        state = load_file(str(path))
    except Exception as e:  # noqa: BLE001 (user code: any failure becomes a ConversionError)
        raise ConversionError(f"cannot read weights {str(path)!r}: {e}", file=str(path)) from None
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ConversionError(
            f"weights {str(path)!r} do not fit {type(module).__name__}: "
            + " ".join(str(e).split()),
            file=str(path),
        ) from None
