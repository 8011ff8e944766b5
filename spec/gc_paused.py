"""Python's cyclic garbage collector paused for the length of a conversion.

A conversion makes hundreds of thousands of short-lived objects (nodes, configs, source
lines) that die by reference counting. With the collector on, the ones alive at each
collection are promoted, until they make a full collection of the whole process due
(TensorFlow and PyTorch hold over half a million objects): 0.4 s of EfficientNetV2L's first
conversion. Paused, they die young and never count towards one; what survives (the module)
is collected as usual afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Automatic collection off inside, back on after if it was (nested use is fine)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
