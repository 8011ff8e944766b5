"""A faster reading of plain YAML: data built straight from libyaml's events.

PyYAML's loader first composes a tree of node objects, resolving every scalar's tag through
a Python call from C, then constructs the data from the tree: about five times the cost of
parsing. A spec is plain YAML (mappings, lists, strings, numbers, booleans and nulls), so
:func:`load_plain` builds the data from the parser's events in one pass and resolves tags
with PyYAML's own implicit-resolver table. Anything else (anchors and aliases, tags, merge
keys, a key given twice, an integer that is not plain decimal, timestamps, several
documents, a syntax error) returns :data:`NOT_PLAIN`, and the caller reads the text with the
full loader, which gives the same data or its located error message.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .nesting import MAX_DEPTH, too_deep

NOT_PLAIN = object()

_STR = "tag:yaml.org,2002:str"
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]{0,999})")  # longer ones: the full loader's check
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers
_WILDCARD = tuple(_RESOLVERS.get(None, ()))
_BOOLS = yaml.constructor.SafeConstructor.bool_values
_FLOAT = yaml.constructor.SafeConstructor()


class _NotPlain(Exception):
    pass


def _tag(value: str) -> str:
    """The tag PyYAML's Resolver gives a plain scalar (the first matching implicit rule)."""
    for tag, regexp in (*_RESOLVERS.get(value[0] if value else "", ()), *_WILDCARD):
        if regexp.match(value):
            return str(tag)
    return _STR


def _scalar(event: Any, seen: dict[str, Any]) -> Any:
    if event.anchor is not None or event.tag is not None:
        raise _NotPlain
    value = event.value
    if not event.implicit[0]:  # quoted: a string
        return value
    if value in seen:  # op names, sizes and activations repeat through a spec
        return seen[value]
    seen[value] = out = _plain_value(value)
    return out


def _plain_value(value: str) -> Any:
    tag = _tag(value)
    if tag == _STR:
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return _BOOLS[value.lower()]
    if tag == "tag:yaml.org,2002:int" and _DECIMAL.fullmatch(value):
        return int(value)
    if tag == "tag:yaml.org,2002:float":
        return _FLOAT.construct_yaml_float(yaml.ScalarNode(tag, value))
    raise _NotPlain  # octal, hex, sexagesimal, timestamps, merge keys, `=`


def load_plain(text: str, loader_class: type, file: str | None = None) -> Any:
    """The data of a single-document plain YAML text, or NOT_PLAIN (see the module doc).

    Raises nesting's SchemaError at the collection that nests deeper than MAX_DEPTH: the
    events come in the order nesting.check_depth reads them, so it is the same error.
    """
    loader = loader_class(text)
    try:
        return _build(loader, file)
    except (_NotPlain, yaml.YAMLError):
        return NOT_PLAIN
    finally:
        loader.dispose()


def _build(loader: Any, file: str | None) -> Any:
    get = loader.get_event
    events = yaml.events
    get()  # StreamStart
    event = get()
    if isinstance(event, events.StreamEndEvent):
        return NOT_PLAIN  # an empty file: the full loader says so
    # stack of [container, pending key (mappings), is_mapping]
    stack: list[list[Any]] = []
    root: Any = None
    done = False
    seen: dict[str, Any] = {}
    while True:
        event = get()
        kind = type(event)
        if kind is events.ScalarEvent:
            value = _scalar(event, seen)
        elif kind is events.MappingStartEvent or kind is events.SequenceStartEvent:
            if event.anchor is not None or event.tag is not None:
                raise _NotPlain
            if len(stack) >= MAX_DEPTH:
                raise too_deep(event, file)
            is_mapping = kind is events.MappingStartEvent
            stack.append([{} if is_mapping else [], _NO_KEY, is_mapping])
            continue
        elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
            value = stack.pop()[0]
        elif kind is events.DocumentEndEvent:
            done = True
            break
        else:  # an alias, or anything unexpected
            raise _NotPlain
        if not stack:
            root = value
            continue
        top = stack[-1]
        if not top[2]:
            top[0].append(value)
        elif top[1] is _NO_KEY:
            if isinstance(value, (dict, list)):
                raise _NotPlain  # a complex key
            top[1] = value
        else:
            if top[1] in top[0]:
                raise _NotPlain  # a key given twice: the full loader names both lines
            top[0][top[1]] = value
            top[1] = _NO_KEY
    if not done or not isinstance(get(), events.StreamEndEvent):
        raise _NotPlain  # several documents
    return root


_NO_KEY = object()
