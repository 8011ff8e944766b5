"""How deeply YAML text nests, checked before the parser sees it.

libyaml composes nested collections recursively in C: about 50,000 levels overflow the C
stack and kill the process, and a few hundred already exhaust Python's recursion limit in
everything that walks the data afterwards. A spec never needs more than a few levels, so
deeper text is refused. An exact count needs a parse (about a tenth of the load time), so a
cheap bound that can only over-estimate runs first; the parse runs only when the bound is high.
The event reader in yaml_events.py counts depth itself, so the bound is needed only for text
that goes to the full loader.
"""

from __future__ import annotations

import yaml

from .errors import SchemaError

MAX_DEPTH = 64


def depth_bound(text: str) -> int:
    """An upper bound of the nesting depth of ``text``.

    Block collections: each level sits at a larger column than its parent (a sequence may
    share its key's column), so a line opens at most ``2 * (indent + 1)`` levels by indentation
    plus one per ``-``/``?`` indicator on it. Flow collections: ``[``/``{`` open a level each.
    A closing bracket is counted as a close only after an opening one on the same line (before
    it, it may belong to a plain block key, ``k]]: [[``), and only on lines without comments,
    and only until the first quote or backslash (a quoted scalar may span lines and hide
    brackets); in flow context a plain scalar cannot hold a bracket, so a counted one is real.
    """
    block = deepest_flow = flow = 0
    trusted = True
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        block = max(block, 2 * (indent + 1) + line.count("-") + line.count("?"))
        first = min(line.find("[") % (len(line) + 1), line.find("{") % (len(line) + 1))
        if first == len(line):  # no opening bracket: nothing to count
            if trusted and flow and ('"' in line or "'" in line or "\\" in line):
                trusted = False
            continue
        if trusted and ('"' in line or "'" in line or "\\" in line):
            trusted = False
        opens = line.count("[") + line.count("{")
        rest = line[first:]
        closes = rest.count("]") + rest.count("}") if trusted and "#" not in line else 0
        deepest_flow = max(deepest_flow, flow + opens)
        flow = max(0, flow + opens - closes)
    return block + deepest_flow


_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def too_deep(event: yaml.Event, file: str | None) -> SchemaError:
    """The error for the collection ``event`` that opens level ``MAX_DEPTH + 1``."""
    mark = event.start_mark
    assert mark is not None  # a parser's events always carry their position
    return SchemaError(
        f"the YAML nests deeper than {MAX_DEPTH} levels",
        file=file,
        line=mark.line + 1,
        column=mark.column + 1,
    )


def check_depth(text: str, file: str | None, loader_cls: type[yaml.SafeLoader]) -> None:
    """Raise SchemaError, at the line where it happens, when ``text`` nests deeper than
    :data:`MAX_DEPTH` collections."""
    if depth_bound(text) <= MAX_DEPTH:
        return
    loader = loader_cls(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    raise too_deep(event, file)
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return  # malformed: the real parse reports it, with its location
    finally:
        loader.dispose()
