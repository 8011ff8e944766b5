"""Memory a model's parameters need, known from the validated spec before anything is built.

A framework asked for a ``dense`` of 10^12 units either fails deep inside with a MemoryError
or, for a size just under the machine's memory, really allocates it and starts swapping.
The spec states every weight's shape, so the figure is known first and the build refused.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

from .errors import SpecError

if TYPE_CHECKING:
    from .model import Model

ITEMSIZE = {
    "float16": 2,
    "bfloat16": 2,
    "float32": 4,
    "float64": 8,
    "int32": 4,
    "int64": 8,
    "int16": 2,
    "int8": 1,
    "uint8": 1,
    "bool": 1,
}


def param_bytes(model: Model) -> tuple[int, str | None, int]:
    """(bytes of every declared weight, the node with the most, its bytes)."""
    from .checked import weight_decls

    total, largest, largest_bytes = 0, None, 0
    for node, weights in weight_decls(model).items():
        n = sum(math.prod(w.shape) * ITEMSIZE.get(w.dtype, 4) for w in weights.values())
        total += n
        if n > largest_bytes:
            largest, largest_bytes = node, n
    return total, largest, largest_bytes


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux MemAvailable, else physical)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def format_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            break
        size /= 1024
    return f"{n} B" if unit == "B" else f"{size:,.1f} {unit}"


def check_fits(model: Model, *, what: str = "build it", available: int | None = None) -> None:
    """Raise SpecError when the parameters cannot fit in the memory available now."""
    total, largest, largest_bytes = param_bytes(model)
    available = available_memory() if available is None else available
    if available is None or total <= available:
        return
    share = f"; node {largest!r} alone needs {format_bytes(largest_bytes)}" if largest else ""
    raise SpecError(
        f"the parameters need {format_bytes(total)} ({total:,} bytes), more than the "
        f"{format_bytes(available)} of memory available to {what}{share}",
        file=model.source_file,
    )
