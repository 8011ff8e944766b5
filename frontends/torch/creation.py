"""Record ``torch.zeros(x.size(0), 4)`` and its kin in an fx trace.

torch.fx cannot trace a factory function whose sizes are traced values: ``torch.zeros``
parses its arguments in C++ and rejects a Proxy (``zeros() takes 1 positional argument but 2
were given``). While tracing, :func:`recording_factories` puts wrappers in ``torch``'s place
that record such a call as a graph node (calls without traced arguments run as before), as
``torch.fx.wrap`` does for module-level functions. What the recorded tensor becomes is
decided in shape_values.py. ``len(x)`` is recorded the same way (the builtin is swapped for the
duration of the trace; it behaves as before on anything but a traced value), (a constant, a batch-broadcast value, or a refusal: random ones).
"""

from __future__ import annotations

import builtins
import contextlib
import functools
from collections.abc import Iterator

import torch
from torch import fx

FACTORIES = (
    "zeros",
    "ones",
    "full",
    "empty",
    "arange",
    "eye",
    "linspace",
    "rand",
    "randn",
    "randint",
)


def _has_proxy(v) -> fx.Proxy | None:
    if isinstance(v, fx.Proxy):
        return v
    if isinstance(v, (tuple, list)):
        for x in v:
            p = _has_proxy(x)
            if p is not None:
                return p
    if isinstance(v, dict):
        return _has_proxy(list(v.values()))
    return None


def _recording(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        proxy = _has_proxy((args, kwargs))
        if proxy is None:
            return fn(*args, **kwargs)
        return proxy.tracer.create_proxy("call_function", fn, args, kwargs)

    return wrapper


_len = builtins.len


def _traced_len(obj):
    """``len(x)`` of a traced tensor: a graph node (dim 0 of ``x``), not a TraceError."""
    if isinstance(obj, fx.Proxy):
        return obj.tracer.create_proxy("call_function", _len, (obj,), {})
    return _len(obj)


@contextlib.contextmanager
def recording_factories() -> Iterator[None]:
    """Within the block, ``torch.<factory>`` records calls with traced sizes, and ``len``
    of a traced tensor is recorded too."""
    saved = {name: getattr(torch, name) for name in FACTORIES}
    try:
        for name, fn in saved.items():
            setattr(torch, name, _recording(fn))
        builtins.len = _traced_len
        yield
    finally:
        builtins.len = _len
        for name, fn in saved.items():
            setattr(torch, name, fn)
