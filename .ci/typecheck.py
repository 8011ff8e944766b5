"""Type-check nnspec under its installed module names: ``python .ci/typecheck.py [mypy options]``.

pyproject's package-dir maps ``spec/`` to ``nnspec.spec`` (and ``frontends/``, ``backends/``
likewise). mypy finds modules by directory and cannot follow setuptools' editable-install hook,
so this script hands mypy every file with the module name it has once installed. Settings come
from ``[tool.mypy]`` in pyproject.toml.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from mypy.fscache import FileSystemCache

# run_build is what the `mypy` command itself calls; pyproject asks for mypy>=2.4.
from mypy.main import process_options, run_build
from mypy.modulefinder import BuildSource
from mypy.util import count_stats

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: mypy itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def package_dirs() -> dict[str, Path]:
    """Top-level packages and the directory each one lives in, as pyproject maps them."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return {pkg: ROOT / d for pkg, d in setuptools["package-dir"].items()}


def module_name(path: Path, package: str, directory: Path) -> str:
    parts = [package, *path.relative_to(directory).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> list[BuildSource]:
    dirs = package_dirs()
    # A directory mapped on its own (spec/ -> nnspec.spec) is not also walked as part of its parent.
    nested = set(dirs.values())
    found = []
    for package, directory in dirs.items():
        for path in sorted(directory.rglob("*.py")):
            if any(p in nested and p != directory for p in path.parents):
                continue
            found.append(
                BuildSource(str(path.relative_to(ROOT)), module_name(path, package, directory))
            )
    return found


def main(argv: list[str]) -> int:
    t0 = time.time()
    fscache = FileSystemCache()
    _, options = process_options(
        ["--config-file", str(ROOT / "pyproject.toml"), *argv],
        require_targets=False,
        fscache=fscache,
    )
    srcs = sources()
    _, messages, blockers = run_build(srcs, options, fscache, t0, sys.stdout, sys.stderr)
    n_errors, _, n_files = count_stats(messages)
    took = time.time() - t0
    if n_errors:
        print(f"mypy: {n_errors} errors in {n_files} files ({len(srcs)} checked, {took:.1f} s)")
        return 2 if blockers else 1
    print(f"mypy: no issues in {len(srcs)} files ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
