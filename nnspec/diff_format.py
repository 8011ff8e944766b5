"""The four shapes of `nnspec diff` output: text, markdown (for a pull request), json, github."""

from __future__ import annotations

from typing import Any

from nnspec.diff import Diff, NodeChange, NodeRec, WeightChange
from nnspec.github import github_escape


def _v(value: Any) -> str:
    return value if value in ("(default)", "(none)") else repr(value)


def _count(n: int | None) -> str:
    return "?" if n is None else f"{n:,}"


def _delta(old: int | None, new: int | None) -> str:
    if old is None or new is None:
        return f"{_count(old)} -> {_count(new)}"
    return f"{old:,} -> {new:,} ({new - old:+,})"


def summary(d: Diff) -> str:
    if d.equal:
        return "no semantic differences"
    renamed = sum(c.renamed for c in d.changed)
    own = sum(c.own_change for c in d.changed)
    downstream = sum(not c.own_change and not c.renamed for c in d.changed)
    parts = [
        f"{n} {word}"
        for n, word in (
            (own, "changed"),
            (len(d.added), "added"),
            (len(d.removed), "removed"),
            (renamed, "renamed"),
            (downstream, "changed downstream"),
            (len(d.weights), "weights changed"),
            (len(d.top), "top-level changes"),
        )
        if n
    ]
    ta, tb = d.total_params("a"), d.total_params("b")
    params = f"; parameters {_delta(ta, tb)}" if ta != tb else ""
    return ", ".join(parts) + params


def change_details(c: NodeChange) -> list[str]:
    """One phrase per difference of a matched node."""
    out = []
    if c.renamed:
        out.append(f"renamed from {c.old_name!r}")
    if c.op != c.old_op:
        out.append(f"op {c.old_op} -> {c.op}")
    out += [f"{k}: {_v(old)} -> {_v(new)}" for k, old, new in c.attrs]
    if c.inputs:
        out.append(f"inputs {c.inputs[0]} -> {c.inputs[1]}")
    if c.shares:
        out.append(f"shares {c.shares[0]!r} -> {c.shares[1]!r}")
    if c.shape:
        why = "" if c.own_change else " (from an upstream change)"
        out.append(f"output {c.shape[0]} -> {c.shape[1]}{why}")
    if c.params:
        out.append(f"params {_delta(*c.params)}")
    return out


def node_details(r: NodeRec) -> list[str]:
    out = [f"inputs {r.inputs}"] + [f"{k}: {v!r}" for k, v in r.written().items()]
    if r.shape:
        out.append(f"output {r.shape}")
    if r.params:
        out.append(f"params {r.params:,}")
    return out


def weight_details(w: WeightChange) -> str:
    if w.status == "changed":
        return f"max abs diff {w.max_abs:.3g} (sha256 {w.old_hash} -> {w.new_hash})"
    if w.status == "reshaped":
        return f"shape {w.old_shape} -> {w.new_shape} (sha256 {w.old_hash} -> {w.new_hash})"
    if w.status == "added":
        return f"new, shape {w.new_shape} (sha256 {w.new_hash})"
    return f"gone, was shape {w.old_shape} (sha256 {w.old_hash})"


def _issues(d: Diff) -> list[str]:
    return [str(i) for i in d.a.issues + d.b.issues if i.severity == "error"]


def text(d: Diff) -> str:
    lines = [f"{d.a.file} -> {d.b.file}: {summary(d)}"]
    for key, old, new in d.top:
        lines.append(f"~ {key}: {old!r} -> {new!r}")
    for c in d.changed:
        mark = "~" if c.own_change else (">" if c.renamed else "v")
        lines.append(f"{mark} {c.name} ({c.op}): " + "; ".join(change_details(c)))
    for r in d.added:
        lines.append(f"+ {r.name} ({r.op}): " + "; ".join(node_details(r)))
    for r in d.removed:
        lines.append(f"- {r.name} ({r.op})" + (f": params {r.params:,}" if r.params else ""))
    for w in d.weights:
        lines.append(f"w {w.key}: {w.status}, {weight_details(w)}")
    lines += [f"note: {n}" for n in d.notes]
    errors = _issues(d)
    if errors:
        lines.append("validation errors (the diff above covers what could be read):")
        lines += ["  " + e.replace("\n", "\n  ") for e in errors]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(d: Diff) -> str:
    lines = [
        f"### nnspec diff: `{d.a.file}` → `{d.b.file}`",
        "",
        f"**{summary(d).replace('->', '→')}**",
    ]
    rows = []
    for key, old, new in d.top:
        rows.append(("changed", f"({key})", "", f"{old!r} → {new!r}", ""))
    for c in d.changed:
        kind = "changed" if c.own_change else ("renamed" if c.renamed else "downstream")
        name = f"`{c.old_name}` → `{c.name}`" if c.renamed else f"`{c.name}`"
        details = [x for x in change_details(c) if not x.startswith(("params", "renamed"))]
        params = _delta(*c.params) if c.params else ""
        rows.append((kind, name, c.op, "; ".join(details), params))
    for r in d.added:
        details = [x for x in node_details(r) if not x.startswith("params")]
        rows.append(("added", f"`{r.name}`", r.op, "; ".join(details), f"+{_count(r.params)}"))
    for r in d.removed:
        rows.append(("removed", f"`{r.name}`", r.op, "", f"-{_count(r.params)}"))
    if rows:
        lines += ["", "| | node | op | change | params |", "|---|---|---|---|---:|"]
        lines += [
            "| " + " | ".join(_cell(x).replace("->", "→") for x in row) + " |" for row in rows
        ]
    if d.weights:
        lines += ["", "| weight | status | detail |", "|---|---|---|"]
        lines += [f"| `{w.key}` | {w.status} | {_cell(weight_details(w))} |" for w in d.weights]
    if d.notes:
        lines += [""] + [f"> {n}" for n in d.notes]
    errors = _issues(d)
    if errors:
        lines += ["", "**Validation errors** (the diff above covers what could be read):", ""]
        lines += ["```", *errors, "```"]
    return "\n".join(lines)


def as_json(d: Diff) -> str:
    def rec(r: NodeRec) -> dict[str, Any]:
        keys = ("name", "op", "inputs", "shape", "params")
        return {**{k: getattr(r, k) for k in keys}, "attrs": r.written()}

    def change(c: NodeChange) -> dict[str, Any]:
        out: dict[str, Any] = {"name": c.name, "op": c.op}
        if c.renamed:
            out["renamed_from"] = c.old_name
        if c.op != c.old_op:
            out["op_from"] = c.old_op
        if c.attrs:
            out["attrs"] = {k: {"old": old, "new": new} for k, old, new in c.attrs}
        for key in ("inputs", "shares", "shape", "params"):
            pair = getattr(c, key)
            if pair:
                out[key] = {"old": pair[0], "new": pair[1]}
        out["downstream_only"] = not c.own_change and not c.renamed
        return out

    data = {
        "a": d.a.file,
        "b": d.b.file,
        "equal": d.equal,
        "valid": d.valid,
        "params": {"a": d.total_params("a"), "b": d.total_params("b")},
        "top": [{"field": k, "old": old, "new": new} for k, old, new in d.top],
        "changed": [change(c) for c in d.changed],
        "added": [rec(r) for r in d.added],
        "removed": [rec(r) for r in d.removed],
        "weights": [{k: v for k, v in w.__dict__.items() if v is not None} for w in d.weights],
        "notes": d.notes,
        "errors": [i.to_dict() for i in d.a.issues + d.b.issues if i.severity == "error"],
    }
    import json  # here: the other formats need none

    return json.dumps(data, indent=2, default=lambda o: list(o) if isinstance(o, tuple) else str(o))


def github(d: Diff) -> str:
    """Workflow annotations on the changed lines of B (removed nodes: on B's `nodes:` line)."""

    def note(line: int | None, title: str, message: str, level: str = "notice") -> str:
        props = {"file": d.b.file, "line": line, "title": title}
        fields = ",".join(
            f"{k}={github_escape(str(v), prop=True)}" for k, v in props.items() if v is not None
        )
        return f"::{level} {fields}::{github_escape(message)}"

    out = []
    for key, old, new in d.top:
        out.append(note(d.b.line(key), "nnspec diff", f"{key}: {old!r} -> {new!r}"))
    for c in d.changed:
        attr = c.attrs[0][0] if len(c.attrs) == 1 and not c.inputs else None
        line = d.b.line("nodes", c.b_index, attr) if attr else d.b.line("nodes", c.b_index)
        details = "; ".join(change_details(c))
        out.append(note(line, "nnspec diff", f"node {c.name!r} ({c.op}): {details}"))
    for r in d.added:
        line = d.b.line("nodes", r.index)
        out.append(note(line, "nnspec diff", f"node {r.name!r} ({r.op}) added"))
    for r in d.removed:
        out.append(note(d.b.line("nodes"), "nnspec diff", f"node {r.name!r} ({r.op}) removed"))
    for w in d.weights:
        out.append(note(d.b.line("weights"), "nnspec diff", f"weight {w.key}: {w.status}"))
    for n in d.notes:
        out.append(note(None, "nnspec diff", n, "warning"))
    for i in d.a.issues + d.b.issues:
        if i.severity == "error":
            props = {"file": i.file, "line": i.line, "title": f"nnspec {i.kind}"}
            fields = ",".join(
                f"{k}={github_escape(str(v), prop=True)}" for k, v in props.items() if v
            )
            out.append(f"::error {fields}::{github_escape(str(i))}")
    return "\n".join(out)


FORMATS = {"text": text, "markdown": markdown, "json": as_json, "github": github}
