"""Format by content: HDF5 (also after a user block), Keras v3 zip, SavedModel directory;
everything else refused saying what it is, without unpickling it."""

from __future__ import annotations

import pickle
import zipfile

import h5py
import numpy as np
import pytest

from nnspec.cli import main
from nnspec.frontends.keras.files import detect_format
from nnspec.spec.errors import ConversionError


def test_hdf5_by_content_whatever_the_name(tmp_path):
    plain = tmp_path / "weights.bin"
    with h5py.File(plain, "w") as f:
        f["x"] = np.zeros(2)
    blocked = tmp_path / "model.keras"  # HDF5 behind a 512-byte user block, named .keras
    with h5py.File(blocked, "w", userblock_size=512) as f:
        f["x"] = np.zeros(2)
    assert detect_format(plain) == "hdf5"
    assert detect_format(blocked) == "hdf5"
    assert blocked.read_bytes()[:8] != b"\x89HDF\r\n\x1a\n"


def test_keras_zip_and_saved_model(tmp_path):
    archive = tmp_path / "m.h5"  # a Keras 3 archive under an HDF5 name
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("config.json", "{}")
    (tmp_path / "sm").mkdir()
    (tmp_path / "sm" / "saved_model.pb").write_bytes(b"")
    assert detect_format(archive) == "keras_zip"
    assert detect_format(tmp_path / "sm") == "saved_model"


def _torch_archive(path):
    import torch

    torch.save({"w": torch.zeros(2)}, path)


@pytest.mark.parametrize(
    "make, says",
    [
        (_torch_archive, "PyTorch torch.save archive"),
        (lambda p: p.write_bytes(pickle.dumps({"a": 1})), "Python pickle"),
        (lambda p: p.write_text("hello\n"), "a text file"),
        (lambda p: p.write_bytes(b""), "an empty file"),
        (lambda p: p.write_text("version https://git-lfs.github.com/spec/v1\n"), "Git LFS"),
        (lambda p: p.write_bytes(b"<!DOCTYPE html><html>"), "HTML"),
    ],
    ids=["torch_save", "pickle", "text", "empty", "lfs_pointer", "html"],
)
def test_other_files_refused_by_content(tmp_path, make, says):
    path = tmp_path / "model.h5"
    make(path)
    with pytest.raises(ConversionError, match="not a Keras model") as err:
        detect_format(path)
    assert says in str(err.value)
    assert str(path) in str(err.value)


def test_directory_without_saved_model(tmp_path):
    with pytest.raises(ConversionError, match="not a TensorFlow SavedModel"):
        detect_format(tmp_path)


def test_cli_refuses_torch_archive_named_h5(tmp_path, capsys):
    src = tmp_path / "model.h5"
    _torch_archive(src)
    out = tmp_path / "out"
    assert main(["convert", str(src), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "torch.save archive" in err and str(src) in err
    assert not out.exists() or not any(out.iterdir())
