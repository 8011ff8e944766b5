"""One namespace for every generated name: the names the frontends give spec nodes, the nodes
a pass adds, the shorthand's ``conv2d_1``, and the identifiers of generated Python code.

A name that is taken gets the first free suffix: ``x``, ``x_1``, ``x_2`` (``x_`` goes to
``x_1``, not ``x__1``). With ``identifiers=True`` each text first becomes a valid Python
identifier (after torch.fx's ``_Namespace``): characters outside ``[0-9A-Za-z_]`` become
``_``, a leading digit gets a ``_`` in front, leading underscores collapse to one (``__x``
would be name-mangled inside a class), and keywords and builtins get ``_1``.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Hashable, Iterable

_BAD = re.compile(r"[^0-9A-Za-z_]")
_LEADING = re.compile(r"^__+")


def identifier(text: str) -> str:
    """``text`` as a valid Python identifier that shadows no keyword or builtin."""
    base = _BAD.sub("_", str(text)) or "_"
    if base[0].isdigit():
        base = "_" + base
    base = _LEADING.sub("_", base)
    if keyword.iskeyword(base) or hasattr(builtins, base):
        base += "_1"
    return base


class Namespace:
    """Unique names, each handed out once; ``reserved`` names are never handed out."""

    def __init__(self, reserved: Iterable[str] = (), *, identifiers: bool = False) -> None:
        self._used: set[str] = set(reserved)
        self._identifiers = identifiers
        self._by_key: dict[Hashable, str] = {}
        # base -> the smallest suffix that may still be free (names are only ever added, so
        # the search resumes there: n unnamed dense nodes cost n steps, not n**2 / 2)
        self._next: dict[str, int] = {}

    def __contains__(self, name: str) -> bool:
        return name in self._used

    def reserve(self, name: str) -> None:
        """Mark ``name`` as taken (a name chosen elsewhere, such as a user's node name)."""
        self._used.add(name)

    def name(self, text: str, key: Hashable | None = None, *, numbered: bool = False) -> str:
        """A fresh name looking like ``text`` (``text`` itself when free, unless ``numbered``
        asks for ``text_1``, ``text_2``... always). The same ``key`` gives the same name."""
        if key is not None and key in self._by_key:
            return self._by_key[key]
        base = identifier(text) if self._identifiers else str(text)
        candidate = base
        if numbered or candidate in self._used:
            sep = "" if base.endswith("_") else "_"
            k = self._next.get(base, 1)
            candidate = f"{base}{sep}{k}"
            while candidate in self._used:
                k += 1
                candidate = f"{base}{sep}{k}"
            self._next[base] = k + 1
        self._used.add(candidate)
        if key is not None:
            self._by_key[key] = candidate
        return candidate
