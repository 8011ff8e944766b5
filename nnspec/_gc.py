"""Collect rarely while nnspec imports its models or runs a command (no torch, no pydantic
here: ``nnspec/__init__.py`` imports this first)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def few_gc_passes() -> Iterator[None]:
    """Importing the spec's pydantic models and loading a spec allocate millions of small
    objects that reference counting frees; the cyclic collector's default passes over them
    cost a tenth of the start-up and nearly doubled the time of a big spec. As mypy does,
    collect rarely meanwhile; the caller's thresholds come back afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(200_000, 30, 30)
    try:
        yield
    finally:
        gc.set_threshold(*before)
