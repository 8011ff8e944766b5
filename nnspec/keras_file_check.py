"""Sizes of a ``.keras`` / ``.h5`` file's contents, checked before Keras reads it.

A ``.keras`` file is a zip archive; Keras reads its members into memory, so a 2 GiB member
compressed to a few kilobytes (a zip bomb) would be inflated before anything could refuse
it. The declared sizes are in the archive's directory (and Python's zipfile never returns
more than a member declares), and an HDF5 file's datasets declare their shapes: both are
summed first, and a file whose contents cannot fit in memory is refused.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import IO

from nnspec.spec.budget import available_memory, format_bytes
from nnspec.spec.errors import ConversionError

MAX_MEMBERS = 10_000
MAX_CONFIG_BYTES = 64 << 20  # config.json, metadata.json: a ResNet's config is ~100 KB
BOMB_RATIO, BOMB_MIN_BYTES = 100, 256 << 20


def check_keras_file(path: Path, available: int | None = None) -> None:
    """Raise ConversionError when ``path``'s contents would not fit in memory."""
    available = available_memory() if available is None else available
    budget = available // 2 if available else None
    if zipfile.is_zipfile(path):
        _check_zip(path, budget)
    else:
        _check_h5(path, budget)


def _refuse(path: Path, reason: str) -> ConversionError:
    return ConversionError(f"cannot load the Keras model: {reason}", file=str(path))


def _check_zip(path: Path, budget: int | None) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise _refuse(path, f"the archive has {len(members):,} members")
            total = 0
            for m in members:
                total += m.file_size
                if m.filename.endswith(".json") and m.file_size > MAX_CONFIG_BYTES:
                    raise _refuse(
                        path, f"{m.filename!r} would inflate to {format_bytes(m.file_size)}"
                    )
                if m.file_size > BOMB_MIN_BYTES and m.file_size > BOMB_RATIO * max(
                    m.compress_size, 1
                ):
                    raise _refuse(
                        path,
                        f"{m.filename!r} would inflate {m.compress_size:,} bytes to "
                        f"{format_bytes(m.file_size)} (a zip bomb?)",
                    )
            if budget is not None and total > budget:
                raise _refuse(
                    path,
                    f"its contents inflate to {format_bytes(total)}, more than half the "
                    f"{format_bytes(2 * budget)} of memory available",
                )
            # Seeking back in a deflated member inflates it again from the start: only stored
            # or small ones are opened (Keras writes its datasets uncompressed anyway).
            h5 = [
                m
                for m in members
                if m.filename.endswith(".h5")
                and (m.compress_type == zipfile.ZIP_STORED or m.file_size <= MAX_CONFIG_BYTES)
            ]
            for m in h5:
                with archive.open(m) as f:
                    _check_h5(f, budget, path, m.filename)
    except zipfile.BadZipFile as e:
        raise _refuse(path, f"not a readable zip archive ({e})") from None


def _check_h5(
    source: str | os.PathLike[str] | IO[bytes],
    budget: int | None,
    path: Path | None = None,
    member: str = "",
) -> None:
    """Sum the logical sizes of an HDF5 file's datasets (compressed ones inflate when read)."""
    try:
        import h5py
    except ImportError:
        return
    if path is None:  # an archive member comes with the archive's path, for messages
        if not isinstance(source, str | os.PathLike):
            raise TypeError("_check_h5 needs the path of an open file")
        path = Path(source)
    total = 0

    def visit(_name: str, obj: object) -> None:
        nonlocal total
        if isinstance(obj, h5py.Dataset):
            total += obj.size * obj.dtype.itemsize

    try:
        with h5py.File(source, "r") as f:
            f.visititems(visit)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError):
        return  # not HDF5, or damaged: Keras reports that itself
    if budget is not None and total > budget:
        where = f"{member!r} holds" if member else "its datasets hold"
        raise _refuse(
            path,
            f"{where} {format_bytes(total)} of weights, more than half the "
            f"{format_bytes(2 * budget)} of memory available",
        )
