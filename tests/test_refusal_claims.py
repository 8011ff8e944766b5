"""Refusal texts that talk about the spec's ops are true: "the spec has no X" names no op or
activation the catalog has, and "the spec's X op" names one it has. Read from the refusal
tables and from every string in the frontends' and backends' source (ast: nothing runs)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nnspec.spec.activations import ACTIVATION_NAMES, ALIASES
from nnspec.spec.ops import catalog

ROOT = Path(__file__).resolve().parents[1]
ABSENT = re.compile(r"(?:the |a )?(?:spec|nnspec) has no ([^;,.:()]+)", re.IGNORECASE)
PRESENT = re.compile(r"the spec's ([a-z0-9_]+) (?:op|activation)\b")
# Tags that are also plain words of a sentence ("the spec has no activation with ...").
_WORDS = {"activation", "identity"}


def known_names() -> set[str]:
    return set(catalog()) | set(ACTIVATION_NAMES) | {a for a in ALIASES if a}


def claimed_absent(text: str) -> set[str]:
    """Spec names that a "has no ..." phrase of ``text`` says do not exist: each word and
    each run of 2-3 words, joined with ``_`` (``log-sigmoid``, ``channel shuffle``)."""
    names = set()
    for phrase in ABSENT.findall(text):
        words = [w.replace("-", "_").lower() for w in phrase.split()]
        for n in (1, 2, 3):
            names.update("_".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return names - _WORDS


def refusal_texts() -> list[tuple[str, str]]:
    """(where, text): the refusal tables' reasons, then every string literal of the source."""
    from nnspec.frontends.keras.registry import REFUSED as KERAS_REFUSED
    from nnspec.frontends.torch.registry import REFUSED as TORCH_REFUSED

    found = [(f"torch REFUSED[{k!r}]", v) for k, v in TORCH_REFUSED.items()]
    found += [(f"keras REFUSED[{k!r}]", v) for k, v in KERAS_REFUSED.items()]
    for folder in ("frontends", "backends", "nnspec"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append((where, node.value))
    return found


def test_claims_are_read():
    """The reader sees the phrasings it checks (a reader that matched nothing would pass)."""
    assert claimed_absent("the spec has no log-sigmoid activation") >= {"log_sigmoid"}
    assert "channel_shuffle" in claimed_absent("the spec has no channel shuffle op")
    assert "split" in claimed_absent("the spec has no split op for gated linear units")
    assert PRESENT.findall("use the spec's dot op with normalize") == ["dot"]
    texts = [t for _, t in refusal_texts()]
    assert sum(bool(ABSENT.search(t)) for t in texts) >= 10


def test_no_refusal_denies_an_existing_op():
    known = known_names()
    wrong = [
        f"{where}: {text!r} (the spec has {sorted(claimed_absent(text) & known)})"
        for where, text in refusal_texts()
        if claimed_absent(text) & known
    ]
    assert not wrong, "refusals say the spec lacks what it has:\n" + "\n".join(wrong)


def test_every_op_a_refusal_points_to_exists():
    known = known_names()
    wrong = [
        f"{where}: {text!r}"
        for where, text in refusal_texts()
        for name in PRESENT.findall(text)
        if name not in known
    ]
    assert not wrong, "refusals point to ops the spec does not have:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "text",
    ["the spec has no log-sigmoid activation", "the spec has no split op for gated linear units"],
)
def test_a_false_claim_is_caught(text):
    assert claimed_absent(text) & known_names()
