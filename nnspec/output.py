"""Where ``nnspec convert`` writes: a hidden staging folder beside the output folder, moved
into place only when the conversion succeeded.

Staging beside ``OUT`` (``.OUT.nnspec-<pid>-XXXX``), not inside it, keeps partial files out
of the folder a user looks in, even after ``kill -9``; the process id in the name lets a later
run sweep the folders of processes that no longer exist. When ``OUT`` does not exist yet, the
staging folder is renamed to it, so its files appear all at once.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nnspec.spec.errors import ConversionError
from nnspec.spec.io import default_file_mode, umask
from nnspec.spec.text import printable

STAGING = ".nnspec-"
# Staging folders of earlier versions, inside OUT and without a process id.
_OLD_STAGING_AGE_S = 3600


def write_error(e: OSError, where: Path, *, exact: bool = False) -> ConversionError:
    """An OSError while writing, as one line naming the file (or ``where`` when ``exact`` or
    when the error names none)."""
    target = where if exact else e.filename or where
    reason = e.strerror or str(e) or type(e).__name__
    return ConversionError(f"cannot write the output: {reason}", file=printable(str(target)))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def sweep_stale(outdir: Path) -> None:
    """Remove staging folders left by killed runs: ours beside OUT whose process is gone, and
    old ones inside OUT, from versions that staged there, after an hour."""
    pattern = f".{glob.escape(outdir.name)}{STAGING}*"
    for path in outdir.parent.glob(pattern):
        pid = path.name[len(outdir.name) + 1 + len(STAGING) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
    if outdir.is_dir():
        for path in outdir.glob(f"{STAGING}*"):
            try:
                old = time.time() - path.stat().st_mtime > _OLD_STAGING_AGE_S
            except OSError:
                continue
            if old and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; returns those created, outermost first."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


@contextmanager
def staging_folder(outdir: Path) -> Iterator[Path]:
    """A fresh hidden folder beside ``outdir``, removed on the way out whatever happens; write
    errors come out as one-line ConversionErrors, and folders made for it are removed again
    unless the output exists by then."""
    outdir = Path(os.path.abspath(outdir))
    created: list[Path] = []
    try:
        created = _make_parents(outdir.parent)
        sweep_stale(outdir)
        staging = Path(
            tempfile.mkdtemp(prefix=f".{outdir.name}{STAGING}{os.getpid()}-", dir=outdir.parent)
        )
    except OSError as e:
        _remove_empty(created)
        raise write_error(e, outdir.parent, exact=True) from None
    try:
        yield staging
    except OSError as e:  # save_weights turns safetensors' I/O errors into OSErrors too
        staged = Path(e.filename) if isinstance(e.filename, str) else None
        # Name the file as the user will know it, not by its hidden staging path.
        final = outdir / staged.name if staged and staged.parent == staging else outdir
        raise write_error(e, final, exact=True) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not outdir.exists():
            _remove_empty(created)


def _remove_empty(folders: list[Path]) -> None:
    for path in reversed(folders):
        try:
            path.rmdir()
        except OSError:
            break


def refuse_overwrite(targets: list[Path], sources: list[Path], force: bool) -> None:
    """Never overwrite a source file; other existing outputs only with ``force``."""
    for target in targets:
        for source in sources:
            if target.exists() and source.exists() and os.path.samefile(target, source):
                raise ConversionError(
                    f"the output would overwrite the source {printable(str(source))!r}; "
                    "choose another output folder",
                    file=printable(str(target)),
                )
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing and not force:
        names = ", ".join(printable(t.name) for t in existing)
        raise ConversionError(
            f"the output folder already holds {names}",
            file=printable(str(existing[0].parent)),
            hint="use --force to replace them, or choose another output folder",
        )


def publish(staging: Path, outdir: Path, force: bool) -> None:
    """Give the staged files the mode a new file gets, then move them into ``outdir``."""
    mode = default_file_mode()
    for path in staging.iterdir():
        path.chmod(mode)
    if not outdir.exists():
        staging.chmod(0o777 & ~umask())  # mkdtemp's is 0o700
        try:
            staging.rename(outdir)  # all files at once
            return
        except OSError:  # created meanwhile by someone else: move file by file
            outdir.mkdir(parents=True, exist_ok=True)
    for path in sorted(staging.iterdir()):
        final = outdir / path.name
        if not force and (final.exists() or final.is_symlink()):
            raise ConversionError(
                f"the output folder already holds {printable(final.name)}",
                file=printable(str(outdir)),
                hint="use --force to replace it",
            )
        os.replace(path, final)
