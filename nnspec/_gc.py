"""The cyclic garbage collector around nnspec's own allocation bursts: rare passes while it
imports its models or runs a command, none during a conversion (no torch, no pydantic
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


@contextmanager
def gc_paused() -> Iterator[None]:
    """Automatic collection off for the length of a conversion, back on after if it was
    (nested use is fine). A conversion makes hundreds of thousands of short-lived objects
    (nodes, configs, source lines) that die by reference counting; with the collector on,
    those alive at each collection are promoted until a full collection of the whole process
    is due (TensorFlow and PyTorch hold over half a million objects): 0.4 s of
    EfficientNetV2L's first conversion. What survives (the module) is collected as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
