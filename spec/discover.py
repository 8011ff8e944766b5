"""Converter and op modules are found, not listed: every public module of a package.

A package's modules are the ``<name>.py`` files in its folders (``__path__``) whose name does
not start with ``_`` (``_common.py`` and the like are helpers). Finding them lists a folder
and imports nothing, so a registry still loads its modules only when first asked.
"""

from __future__ import annotations

import importlib
import pkgutil


def public_modules(package: str) -> tuple[str, ...]:
    """The public module names of ``package``, sorted."""
    path = importlib.import_module(package).__path__
    return tuple(sorted({m.name for m in pkgutil.iter_modules(path) if not m.name.startswith("_")}))
