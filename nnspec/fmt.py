"""`nnspec fmt`: rewrite specs in the canonical form that ``save`` writes, keeping comments.

The canonical form is ``dump_yaml(load(file))``: stable key order, one flow-style line per
node, generated names and the default output written out, default attributes left out.
Comments are kept: PyYAML drops them, so they are found in the original text and each one
goes back beside (a trailing comment) or above (a comment on its own line) the line where
the key or node it was written at ends up; a comment whose key disappears (an attribute
equal to its default) moves to that key's node. Blank lines are not kept. The result is a
fixed point: formatting it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nnspec.spec.io import YamlPath, _SafeLoader, _walk_marks, dump_yaml, loads


@dataclass(frozen=True)
class Comment:
    line: int  # 1-based line of the original text
    column: int  # 0-based column of '#'
    text: str  # from '#' to the end of the line
    own_line: bool


def find_comments(text: str) -> list[Comment]:
    """Every comment, found as a '#' outside the spans of the YAML scanner's tokens."""
    if "#" not in text:
        return []
    covered: list[tuple[int, int]] = []
    loader = _SafeLoader(text)
    try:
        while loader.check_token():
            tok = loader.get_token()
            if tok.end_mark.index > tok.start_mark.index:
                covered.append((tok.start_mark.index, tok.end_mark.index))
    finally:
        loader.dispose()
    comments, pos, k = [], 0, 0
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        start = line.find("#")
        while start != -1:
            index = pos + start
            while k < len(covered) and covered[k][1] <= index:
                k += 1
            inside = k < len(covered) and covered[k][0] <= index < covered[k][1]
            if not inside and (start == 0 or line[start - 1] in " \t"):
                body = line[start:].rstrip("\r\n").rstrip()
                comments.append(Comment(number, start, body, not line[:start].strip()))
                break
            start = line.find("#", start + 1)
        pos += len(line)
    return comments


def _anchors(
    marks: Mapping[YamlPath, tuple[int, int]],
) -> tuple[dict[int, YamlPath], list[YamlPath]]:
    """Per line, the shortest path written on it; and all paths in line order."""
    by_line: dict[int, YamlPath] = {}
    for path, (line, _) in marks.items():
        if path and (line not in by_line or len(path) < len(by_line[line])):
            by_line[line] = path
    ordered = sorted(by_line.items())
    return by_line, [p for _, p in ordered]


def _out_line(path: YamlPath, out_marks: Mapping[YamlPath, tuple[int, int]]) -> int:
    while path and path not in out_marks:
        path = path[:-1]
    return out_marks[path][0] if path else 1


def reattach(original: str, formatted: str, comments: list[Comment]) -> str:
    """``formatted`` with ``comments`` from ``original`` put back beside their keys."""
    if not comments:
        return formatted

    def marks_of(text: str) -> dict[YamlPath, tuple[int, int]]:
        loader = _SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
        return _walk_marks(root) if root is not None else {}

    in_marks, out_marks = marks_of(original), marks_of(formatted)
    by_line, _ = _anchors(in_marks)
    lines_sorted = sorted(by_line)
    out_lines = formatted.splitlines()
    above: dict[int, list[str]] = {}
    beside: dict[int, list[Comment]] = {}
    tail: list[str] = []
    for c in comments:
        if c.own_line:
            following = next((n for n in lines_sorted if n > c.line), None)
            if following is None:
                tail.append(c.text)
            else:
                above.setdefault(_out_line(by_line[following], out_marks), []).append(c.text)
        else:
            here = by_line.get(c.line)
            if here is None:  # inside a mapping written over several lines: its start
                earlier = [n for n in lines_sorted if n < c.line]
                here = by_line[earlier[-1]] if earlier else ()
            beside.setdefault(_out_line(here, out_marks), []).append(c)
    result = []
    for number, line in enumerate(out_lines, 1):
        indent = line[: len(line) - len(line.lstrip())]
        result += [indent + text for text in above.get(number, ())]
        if number in beside:
            cs = beside[number]
            column = cs[0].column if len(cs) == 1 else 0
            line = line.ljust(max(column, len(line) + 2)) + " ".join(c.text for c in cs)
        result.append(line)
    return "\n".join(result + tail) + "\n"


def format_spec(text: str, file: str | None = None) -> str:
    """The canonical text of a spec (SchemaError when it does not parse)."""
    formatted = dump_yaml(loads(text, file=file))
    out = reattach(text, formatted, find_comments(text))
    if out is not formatted and dump_yaml(loads(out, file=file)) != formatted:
        raise RuntimeError(f"{file}: putting the comments back changed the spec")
    return out


def unified(old: str, new: str, file: str) -> str:
    import difflib  # here: a formatted file needs no diff

    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=file,
            tofile=f"{file} (formatted)",
        )
    )


__all__ = ["Comment", "find_comments", "format_spec", "reattach", "unified"]
