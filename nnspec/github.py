"""GitHub Actions workflow commands (``::error file=...,line=...::message``): the escaping
shared by ``validate --format github`` (nnspec/cli.py) and ``diff --format github``."""

from __future__ import annotations


def github_escape(text: str, *, prop: bool = False) -> str:
    """Workflow-command escaping (a property value also escapes ':' and ',')."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text
