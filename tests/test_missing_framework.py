"""A missing framework is an install hint, not an internal error: each entry point that needs
torch or Keras is run in a clean interpreter where importing the framework fails
(``sys.modules[name] = None`` makes ``import name`` raise ModuleNotFoundError)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "examples"

API_CASES = [
    pytest.param("torch", "nnspec.from_torch(None, None)", "torch", id="from_torch"),
    pytest.param("torch", "load_module('m.py:Net')", "torch", id="load_module"),
    pytest.param("torch", "nnspec.to_torch(nnspec.load(YAML))", "torch", id="to_torch"),
    pytest.param("keras", "nnspec.from_keras(None)", "keras", id="from_keras"),
    pytest.param("keras", "nnspec.to_keras(nnspec.load(YAML))", "keras", id="to_keras"),
    pytest.param("h5py", "read_keras_file(H5)", "keras", id="read_hdf5"),
]


def _run(blocked: tuple[str, ...], code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    setup = (
        f"import sys\nsys.modules.update(dict.fromkeys({blocked!r}))\n"
        "import nnspec\n"
        "from nnspec.frontends.keras import read_keras_file\n"
        "from nnspec.frontends.torch import load_module\n"
        f"YAML = {str(EXAMPLES / 'mnist_cnn.yaml')!r}\n"
        f"H5 = {str(tmp_path / 'old.h5')!r}\n"
    )
    (tmp_path / "old.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(64))  # HDF5 magic
    return subprocess.run(
        [sys.executable, "-c", setup + code],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


@pytest.mark.parametrize("blocked, call, extra", API_CASES)
def test_api_names_the_extra_to_install(blocked, call, extra, tmp_path):
    code = (
        "from nnspec.spec.errors import MissingDependencyError\n"
        f"try:\n    {call}\n"
        "except MissingDependencyError as e:\n    print('MISSING', e)\n"
    )
    proc = _run((blocked,), code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("MISSING"), proc.stdout
    assert f"needs {blocked}, which is not installed" in proc.stdout
    assert f"pip install 'nnspec[{extra}]'" in proc.stdout


def test_missing_framework_error_is_an_import_error():
    """Code that caught the ModuleNotFoundError before still catches it."""
    from nnspec.spec.errors import MissingDependencyError, SpecError

    assert issubclass(MissingDependencyError, ImportError)
    assert issubclass(MissingDependencyError, SpecError)


def test_other_missing_modules_are_not_hidden():
    """Only a framework an extra installs becomes an install hint."""
    from nnspec.spec.extras import framework_import

    with pytest.raises(ModuleNotFoundError, match="no_such_module_xyz"), framework_import("a test"):
        import no_such_module_xyz  # noqa: F401


@pytest.mark.parametrize(
    "argv",
    [
        ["convert", "model.py:Net", "--input-shape", "1,3", "-o", "out"],
        ["convert", str(EXAMPLES / "mnist_cnn.yaml"), "--to", "torch", "-o", "out"],
    ],
    ids=["convert_torch_source", "convert_to_torch"],
)
def test_cli_prints_the_install_hint(argv, tmp_path):
    (tmp_path / "model.py").write_text("import torch\n")
    code = f"from nnspec.cli import main\nsys.exit(main({argv!r}))\n"
    # tensorflow too: the command would load it first (to silence it), and slowly
    proc = _run(("torch", "tensorflow"), code, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "pip install 'nnspec[torch]'" in proc.stderr
    assert "internal error" not in proc.stderr
    assert "Traceback" not in proc.stderr
