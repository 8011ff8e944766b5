"""What ``nnspec convert`` leaves on disk and on the terminal (issue 9): files only on
success, never over the source, never over other files without --force, with the user's
umask, one clear line for every write error, and no TensorFlow start-up chatter."""

from __future__ import annotations

import errno
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nnspec import keras_file_check
from nnspec.cli import main
from nnspec.spec.io import load

EXAMPLES = Path(__file__).parent.parent / "examples"
SPEC = "nnspec: 1\nname: net\ninputs:\n  x: {shape: [batch, 4]}\nnodes:\n  - {op: dense, name: d, units: 3}\n"


def spec_with_weights(folder: Path, kernel: np.ndarray | None = None) -> Path:
    """``folder/net.yaml`` with ``net.safetensors`` beside it."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    kernel = np.random.default_rng(0).normal(size=(4, 3)).astype("f4") if kernel is None else kernel
    save_file({"d/kernel": kernel, "d/bias": np.ones(3, "f4")}, folder / "net.safetensors")
    (folder / "net.yaml").write_text(SPEC + "weights: net.safetensors\n")
    return folder / "net.yaml"


def run(capsys, *argv) -> tuple[int, str]:
    code = main(["convert", *argv, "-q"])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in out + err, out + err
    return code, out + err


def test_spec_to_spec_writes_with_the_umask_mode(tmp_path, capsys):
    src = spec_with_weights(tmp_path / "src")
    old = os.umask(0o027)
    try:
        code, _ = run(capsys, str(src), "--to", "spec", "-o", str(tmp_path / "out"))
    finally:
        os.umask(old)
    assert code == 0
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["net.safetensors", "net.yaml"]
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {"0o640"}
    assert oct(out.stat().st_mode & 0o777) == "0o750"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_never_overwrites_the_source(tmp_path, capsys):
    src = spec_with_weights(tmp_path)
    before = src.read_bytes()
    code, text = run(capsys, str(src), "--to", "spec", "-o", str(tmp_path), "--force")
    assert code == 1 and "would overwrite the source" in text
    assert src.read_bytes() == before


def test_existing_outputs_need_force(tmp_path, capsys):
    src = spec_with_weights(tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    (out / "net.yaml").write_text("mine")
    code, text = run(capsys, str(src), "--to", "spec", "-o", str(out))
    assert code == 1 and "already holds net.yaml" in text and "--force" in text
    assert (out / "net.yaml").read_text() == "mine"
    code, _ = run(capsys, str(src), "--to", "spec", "-o", str(out), "--force")
    assert code == 0 and load(out / "net.yaml").nodes[0].units == 3


def test_output_naming_a_file(tmp_path, capsys):
    src = spec_with_weights(tmp_path / "src")
    (tmp_path / "taken").write_text("x")
    code, text = run(capsys, str(src), "--to", "spec", "-o", str(tmp_path / "taken"))
    assert code == 1 and "taken: the output is an existing file, not a folder" in text


def test_a_failed_conversion_leaves_no_folder(tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text(SPEC.replace("units: 3", "units: -3"))
    out = tmp_path / "a" / "b" / "out"
    code, _ = run(capsys, str(tmp_path / "bad.yaml"), "--to", "spec", "-o", str(out))
    assert code == 1 and not (tmp_path / "a").exists()


def test_a_write_error_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import nnspec.convert

    def full(*_args, **_kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(nnspec.convert, "save", full)
    src = spec_with_weights(tmp_path / "src")
    code, text = run(capsys, str(src), "--to", "spec", "-o", str(tmp_path / "out"))
    assert code == 1 and text.strip().endswith(
        "out: cannot write the output: No space left on device"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_an_unwritable_folder_is_one_line(tmp_path, capsys, monkeypatch):
    import tempfile

    def refuse(*_args, **_kw):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".x"))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    src = spec_with_weights(tmp_path / "src")
    code, text = run(capsys, str(src), "--to", "spec", "-o", str(tmp_path / "new" / "out"))
    assert code == 1 and f"{tmp_path / 'new'}: cannot write the output: Permission denied" in text
    assert not (tmp_path / "new").exists()


def test_rlimit_fsize_is_one_line(tmp_path):
    """Past RLIMIT_FSIZE a write fails with EFBIG (Python ignores SIGXFSZ)."""
    src = spec_with_weights(tmp_path / "src", np.zeros((4, 3), "f4"))
    notes = "x" * 30_000  # the written spec is over the limit, whatever is written first
    src.write_text(src.read_text().replace("name: net", f"name: net\nmetadata: {{notes: {notes}}}"))

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    argv = ["convert", str(src), "--to", "spec", "-o", str(tmp_path / "out"), "-q"]
    proc = subprocess.run(
        [sys.executable, "-m", "nnspec", *argv],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=limit,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().endswith("cannot write the output: File too large"), proc.stderr
    assert not (tmp_path / "out").exists()


def test_stale_staging_folders_are_swept(tmp_path, capsys):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / f".out.nnspec-{dead.stdout.strip()}-abcd"
    stale.mkdir()
    (stale / "half.safetensors").write_bytes(b"\0" * 10)
    live = tmp_path / f".out.nnspec-{os.getppid()}-efgh"  # a running process: kept
    live.mkdir()
    src = spec_with_weights(tmp_path / "src")
    code, _ = run(capsys, str(src), "--to", "spec", "-o", str(tmp_path / "out"))
    assert code == 0 and not stale.exists() and live.exists()


def test_staging_is_outside_the_output_folder(tmp_path, capsys, monkeypatch):
    """Killed at any moment, a run must leave no partial file inside OUT."""
    import nnspec.convert

    seen = []
    real = nnspec.convert._write_target

    def spy(spec, name, to, staging, progress, result):
        built = real(spec, name, to, staging, progress, result)
        seen.append((staging.parent, (tmp_path / "out").exists()))
        return built

    monkeypatch.setattr(nnspec.convert, "_write_target", spy)
    src = spec_with_weights(tmp_path / "src")
    assert run(capsys, str(src), "--to", "spec", "-o", str(tmp_path / "out"))[0] == 0
    assert seen == [(tmp_path, False)]


def test_a_zip_bomb_is_refused_before_keras_reads_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(keras_file_check, "BOMB_MIN_BYTES", 1 << 20)
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", "{}")
        z.writestr("model.weights.h5", b"\0" * (4 << 20))
    code, text = run(capsys, str(bomb), "-o", str(tmp_path / "out"))
    assert code == 1 and "'model.weights.h5' would inflate" in text and "zip bomb" in text


def test_contents_larger_than_memory_are_refused(tmp_path):
    with pytest.raises(Exception, match="more than half the 1.0 KiB of memory available"):
        keras_file_check.check_keras_file(EXAMPLES / "mnist_cnn.keras", available=1024)


def test_help_says_a_model_py_source_is_run(capsys):
    assert main(["convert", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "A model.py source is imported and run" in text and "--force" in text


def test_summary_escapes_terminal_sequences(write_spec_text, capsys):
    path = write_spec_text(
        'nnspec: 1\nname: "\\e]0;pwned\\a"\ninputs:\n  x: {shape: [batch, 4]}\n'
        'nodes:\n  - {op: dense, units: 2, name: "d\\e[2J\\u202e"}\n'
    )
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert 'Model: "\\x1b]0;pwned\\x07"' in out and "d\\x1b[2J\\u202e" in out


@pytest.fixture
def write_spec_text(tmp_path):
    def write(text: str) -> Path:
        path = tmp_path / "m.yaml"
        path.write_text(text)
        return path

    return write


# --- with both frameworks ------------------------------------------------------------------


def test_a_failed_parity_check_writes_nothing_and_says_why(tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    kernel = np.ones((4, 3), "f4")
    kernel[0, 0] = np.nan
    src = spec_with_weights(tmp_path / "src", kernel)
    code, text = run(capsys, str(src), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "nothing written: the parity check failed" in text
    assert "parity check fails: weight 'd/kernel' holds 1 NaN value" in text
    assert "NaN/Inf" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


@pytest.mark.slow
def test_convert_prints_no_tensorflow_startup_lines(tmp_path):
    """In a fresh process, as a user runs it (the test session has TensorFlow loaded)."""
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nnspec",
            "convert",
            str(EXAMPLES / "mnist_cnn.yaml"),
            "-o",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for chatter in ("oneDNN", "absl", "cpu_feature_guard", "I0000"):
        assert chatter not in proc.stderr, proc.stderr
    assert "checking parity on two random inputs" in proc.stderr


def test_inputs_too_large_for_the_parity_check_are_refused_first(tmp_path):
    from nnspec.convert import convert
    from nnspec.spec.errors import ConversionError

    (tmp_path / "wide.yaml").write_text(
        SPEC.replace("units: 3", "units: 1")
        .replace("[batch, 4]", "[batch, 100000000000]")
        .replace("{op: dense, name: d, units: 1}", "{op: relu, name: d}")
    )
    with pytest.raises(ConversionError, match="parity check's random inputs need 745.1 GiB"):
        convert(tmp_path / "wide.yaml", tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wide.yaml"]


def test_other_commands_report_os_errors_in_one_line(tmp_path, capsys):
    (tmp_path / "m.yaml").write_text(SPEC)
    (tmp_path / "file").write_text("x")
    assert (
        main(["optimize", str(tmp_path / "m.yaml"), "-o", str(tmp_path / "file" / "o.yaml")]) == 1
    )
    err = capsys.readouterr().err
    assert (
        "internal error" not in err
        and "file: File exists" in err
        and len(err.strip().splitlines()) == 1
    )


def test_kill_9_at_any_moment_leaves_no_partial_files(tmp_path):
    """A killed run leaves OUT absent or complete; its staging folder goes at the next run."""
    from safetensors.numpy import save_file

    src = tmp_path / "src"
    src.mkdir()
    kernel = np.ones((4, 2_000_000), "f4")  # 32 MB of weights: writing them takes a while
    save_file({"d/kernel": kernel, "d/bias": np.ones(2_000_000, "f4")}, src / "net.safetensors")
    (src / "net.yaml").write_text(
        SPEC.replace("units: 3", "units: 2000000") + "weights: net.safetensors\n"
    )
    out = tmp_path / "out"
    argv = [
        sys.executable,
        "-m",
        "nnspec",
        "convert",
        str(src / "net.yaml"),
        "--to",
        "spec",
        "-o",
        str(out),
        "-q",
    ]
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5):
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if out.exists():
            assert sorted(p.name for p in out.iterdir()) == ["net.safetensors", "net.yaml"]
            assert load(out / "net.yaml").params["d/kernel"].shape == (4, 2_000_000)
            break
    assert subprocess.run([*argv, "--force"], check=False).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "src"]


def test_diff_escapes_terminal_sequences(write_spec_text, tmp_path, capsys):
    old = write_spec_text(
        'nnspec: 1\ninputs:\n  x: {shape: [batch, 4]}\nnodes:\n  - {op: dense, units: 2, name: "d\\e[2J"}\n'
    )
    new = tmp_path / "new.yaml"
    new.write_text(old.read_text().replace("units: 2", "units: 3"))
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "d\\x1b[2J (dense): units: 2 -> 3" in out
