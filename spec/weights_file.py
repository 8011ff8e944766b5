"""Reading a safetensors weights file into numpy, including the dtypes numpy lacks.

bfloat16 and float8 tensors (mixed-precision and quantised checkpoints) have no numpy dtype,
so safetensors' numpy loader fails on them with a TypeError. Their values are read here from
the raw bytes and widened to float32, which holds each of them exactly.
"""

from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# safetensors dtype -> bytes per value, for the dtypes widened here.
WIDENED = {"BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1}


class WeightsFileError(Exception):
    """The file is not a safetensors file nnspec can read (the message says why)."""


def read_arrays(path: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """(arrays by name, {name: stored dtype} of those widened to float32)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    try:
        return load_file(path), {}
    except (TypeError, AttributeError):  # a dtype numpy lacks: read the bytes here
        pass
    except (SafetensorError, OSError, ValueError) as e:
        raise WeightsFileError(str(e)) from None
    return _read_widening(path)


def _read_widening(path: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    import numpy as np
    from safetensors import SafetensorError, safe_open

    try:  # safetensors checks the header (offsets, sizes) before anything is read
        with safe_open(path, framework="numpy") as f:
            names = list(f.keys())
    except (SafetensorError, OSError, ValueError) as e:
        raise WeightsFileError(str(e)) from None
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        import json  # here: `validate` of a spec without weights never reads a header

        header = json.loads(f.read(size))
        start = 8 + size
        arrays, widened = {}, {}
        for name in names:
            entry = header[name]
            dtype, shape = entry["dtype"], tuple(entry["shape"])
            begin, end = entry["data_offsets"]
            f.seek(start + begin)
            raw = f.read(end - begin)
            if dtype in WIDENED:
                if len(raw) != math.prod(shape) * WIDENED[dtype]:
                    raise WeightsFileError(f"tensor {name!r}: {len(raw)} bytes for shape {shape}")
                arrays[name] = _widen(raw, dtype).reshape(shape)
                widened[name] = dtype
            elif dtype not in _NUMPY:
                raise WeightsFileError(
                    f"tensor {name!r} has dtype {dtype}, which nnspec cannot read"
                )
            else:
                arrays[name] = np.frombuffer(raw, dtype=_NUMPY[dtype]).reshape(shape).copy()
    return arrays, widened


_NUMPY = {
    "BOOL": "bool",
    "U8": "uint8",
    "I8": "int8",
    "U16": "<u2",
    "I16": "<i2",
    "U32": "<u4",
    "I32": "<i4",
    "U64": "<u8",
    "I64": "<i8",
    "F16": "<f2",
    "F32": "<f4",
    "F64": "<f8",
}


def _widen(raw: bytes, dtype: str) -> np.ndarray:
    import numpy as np

    if dtype == "BF16":  # the top half of a float32
        return (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
    codes = np.frombuffer(raw, np.uint8)
    if dtype == "F8_E5M2":  # the top half of a float16
        return (codes.astype(np.uint16) << 8).view(np.float16).astype(np.float32)
    return _e4m3_table()[codes]


def _e4m3_table() -> np.ndarray:
    """float8 e4m3fn: bias 7, no infinities, S.1111.111 is NaN."""
    import numpy as np

    codes = np.arange(256)
    sign = np.where(codes & 0x80, -1.0, 1.0)
    exponent, mantissa = (codes >> 3) & 0xF, codes & 0x7
    normal = (1 + mantissa / 8) * 2.0 ** (exponent - 7)
    subnormal = mantissa / 8 * 2.0**-6
    values = sign * np.where(exponent == 0, subnormal, normal)
    values[(exponent == 15) & (mantissa == 7)] = np.nan
    return values.astype(np.float32)
