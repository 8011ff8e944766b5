"""Keras -> spec. Importing this package does not import Keras until a function is called."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnspec.spec.extras import framework_import

if TYPE_CHECKING:
    from nnspec.spec.model import Model


def from_keras(model: Any) -> Model:
    with framework_import("from_keras"):
        from .importer import from_keras as convert

    return convert(model)


def load_keras_file(path: str | Path) -> Any:
    with framework_import("load_keras_file"):
        from .importer import load_keras_file as load

    return load(path)


def read_keras_file(path: str | Path) -> tuple[Any, str]:
    """(keras.Model, what was read) from a Keras file or SavedModel, recognised by content:
    Keras 3 archives and Keras 3 HDF5 through Keras itself, Keras 1/2 and tf.keras 2.x files
    through the legacy reader (legacy/), anything else refused saying what it is."""
    from .files import detect_format

    fmt = detect_format(path)
    if fmt == "keras_zip" or (fmt == "hdf5" and _saved_by_keras3(path)):
        return load_keras_file(path), "Keras 3 model loaded by Keras"
    with framework_import("reading a Keras 1/2 file"):
        from .legacy import load_legacy

    legacy = load_legacy(path, fmt)
    return legacy.model, legacy.source


def _saved_by_keras3(path: str | Path) -> bool:
    with framework_import("reading an HDF5 file"):
        import h5py

    try:
        with h5py.File(str(path), "r") as h5:
            version = h5.attrs.get("keras_version", b"")
    except OSError:
        return False  # unreadable: the legacy reader says why
    version = version.decode() if isinstance(version, bytes) else str(version)
    return version.startswith("3.")
