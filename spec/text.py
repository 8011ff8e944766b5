"""Text from a spec or a file name, made safe to print on a terminal.

A name such as ``"\\x1b]0;pwned\\x07"`` (a YAML double-quoted string can hold any character)
would otherwise reach the terminal as a control sequence: retitle the window, hide the text
that follows, or fake other output. Every character that is not printable is written as its
Python escape instead, as ``repr`` does, without adding quotes.
"""

from __future__ import annotations


def printable(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every non-printable character escaped (``\\x1b``, ``\\u202e``)."""
    if text.isprintable():
        return text
    if keep_newlines:
        return "\n".join(printable(line) for line in text.split("\n"))
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
