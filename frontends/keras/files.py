"""What a model file is, by its content (magic bytes), never by its name; nothing is unpickled.

``detect_format`` answers ``"hdf5"`` (Keras 1/2 and tf.keras 2.x ``.h5``, whatever the name),
``"keras_zip"`` (a Keras 3 ``.keras`` archive), or ``"saved_model"`` (a TensorFlow SavedModel
directory), and refuses anything else with a message saying what the file is.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Literal

from nnspec.spec.errors import ConversionError

FileFormat = Literal["hdf5", "keras_zip", "saved_model"]

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
# An HDF5 superblock sits at 0 or after a user block of 512, 1024, 2048, ... bytes.
_HDF5_OFFSETS = (0, *(512 << k for k in range(12)))


def _is_hdf5(path: Path, size: int) -> bool:
    with path.open("rb") as f:
        for offset in _HDF5_OFFSETS:
            if offset + len(HDF5_MAGIC) > size:
                break
            f.seek(offset)
            if f.read(len(HDF5_MAGIC)) == HDF5_MAGIC:
                return True
    return False


def _zip_kind(path: Path) -> str:
    """'keras' for a Keras v3 archive, else a description of the zip's content."""
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except zipfile.BadZipFile:
        return "a damaged or truncated zip archive"
    if "config.json" in names:
        return "keras"
    if any(n.endswith("data.pkl") for n in names):
        return "a PyTorch torch.save archive (a zip holding a pickle), not a Keras model"
    return (
        f"a zip archive without a Keras config.json (it holds {', '.join(names[:3]) or 'nothing'})"
    )


def _describe(head: bytes) -> str:
    """What a file that is neither HDF5 nor a zip is, from its first bytes."""
    if not head:
        return "an empty file"
    if head[:1] == b"\x80" and len(head) > 1 and head[1] <= 5:
        return "a Python pickle (nnspec never unpickles files)"
    if head.startswith(b"\x93NUMPY"):
        return "a NumPy .npy array, not a model"
    if len(head) >= 8 and int.from_bytes(head[:8], "little") < 1 << 20 and head[8:9] == b"{":
        return "a safetensors weights file, not a model"
    if head.lstrip().startswith(b"<"):
        return "an HTML or XML text file (perhaps a download page instead of the model)"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "a binary file of unknown format"
    if text.startswith("version https://git-lfs"):
        return "a Git LFS pointer (the model itself was not downloaded)"
    return "a text file"


def detect_format(path) -> FileFormat:
    """The format of the Keras model at ``path``, or a ConversionError saying what it is."""
    path = Path(path)
    if path.is_dir():
        if (path / "saved_model.pb").is_file() or (path / "saved_model.pbtxt").is_file():
            return "saved_model"
        raise ConversionError(
            "the directory is not a TensorFlow SavedModel (no saved_model.pb)", file=str(path)
        )
    if not path.is_file():
        raise ConversionError("no such file", file=str(path))
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(64)
    if _is_hdf5(path, size):
        return "hdf5"
    if head.startswith(ZIP_MAGIC):
        kind = _zip_kind(path)
        if kind == "keras":
            return "keras_zip"
        raise ConversionError(f"not a Keras model: the file is {kind}", file=str(path))
    raise ConversionError(f"not a Keras model: the file is {_describe(head)}", file=str(path))


def keras_zip_compile_config(path) -> dict | None:
    """The ``compile_config`` a Keras 3 ``.keras`` archive keeps in its ``config.json`` (the
    optimizer, loss and metrics of ``model.compile``, serialised as ``get_compile_config()``
    returns them), read as JSON: nothing in it is deserialised or run. None when the model
    was saved uncompiled."""
    try:
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise ConversionError(
            f"cannot read config.json of the archive: {e}", file=str(path)
        ) from None
    compiled = config.get("compile_config") if isinstance(config, dict) else None
    return compiled if isinstance(compiled, dict) and compiled else None  # {}: uncompiled
