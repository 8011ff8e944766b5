"""The one place the version is written: pyproject reads it, the package and the code
generators' headers import it."""

__version__ = "0.1.0"
