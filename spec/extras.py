"""The optional extras (pyproject's ``[project.optional-dependencies]``) and what a missing
one looks like: a :class:`~.errors.MissingDependencyError` saying what to install, instead of
a ``ModuleNotFoundError`` from deep inside a frontend or backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .errors import MissingDependencyError

# Top-level module -> the extra that installs it.
EXTRA_OF = {"torch": "torch", "keras": "keras", "tensorflow": "keras", "h5py": "keras"}


@contextmanager
def framework_import(what: str) -> Iterator[None]:
    """Around the import of a module that needs a framework: a missing framework becomes a
    MissingDependencyError naming ``what`` needed it and the ``pip install`` that fixes it.
    Any other missing module is not an extra's and is raised as it is."""
    try:
        yield
    except ModuleNotFoundError as e:
        top = (e.name or "").split(".")[0]
        extra = EXTRA_OF.get(top)
        if extra is None:
            raise
        raise MissingDependencyError(
            f"{what} needs {top}, which is not installed",
            hint=f"pip install 'nnspec[{extra}]'",
        ) from None
