"""Refuse the coercions pydantic's lax mode makes silently on YAML values.

Lax mode turns ``units: true`` (or YAML 1.1's ``yes``, ``on``) into 1 and ``use_bias: 1`` or
``use_bias: "yes"`` into True. In a spec each of those is a mistake, so an attribute takes a
bool only where it is declared bool, a string only where it is declared a string (or a number
written as one: YAML 1.1 reads ``1e-3``, without a dot, as a string), and a number only where
it is declared a number. Strict mode is no answer: it also refuses YAML lists for tuple
attributes, which specs use everywhere.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator

# What a YAML value can be, as far as these checks care.
BOOL, INT, STR = "bool", "int", "str"
ANY = frozenset({BOOL, INT, STR})


def kinds(annotation: Any) -> frozenset[str]:
    """The scalar kinds a value of this type may be given as (a list is checked by items)."""
    origin = typing.get_origin(annotation)
    if annotation is Any or annotation is object:
        return ANY
    if origin is Annotated:
        inner, *meta = typing.get_args(annotation)
        # A shorthand such as `kernel_size: 3` for (3, 3) is expanded before validation.
        shorthand = (
            items(inner) if any(isinstance(m, BeforeValidator) for m in meta) else frozenset()
        )
        return kinds(inner) | shorthand
    if origin is Union or origin is types.UnionType:
        return frozenset().union(*(kinds(a) for a in typing.get_args(annotation)))
    if origin is Literal:
        return frozenset(_scalar_kind(v) for v in typing.get_args(annotation))
    if annotation is bool:
        return frozenset({BOOL})
    if annotation is str:
        return frozenset({STR})
    if isinstance(annotation, type) and issubclass(annotation, int | float):
        return frozenset({INT})  # int, float, PositiveInt and the like
    return frozenset()  # None, a container, a model


def items(annotation: Any) -> frozenset[str]:
    """The scalar kinds the items of a list or tuple type may hold, at any depth."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return items(typing.get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return frozenset().union(*(items(a) for a in typing.get_args(annotation)))
    if origin in (list, tuple):
        return frozenset().union(
            *(_leaves(a) for a in typing.get_args(annotation) if a is not Ellipsis)
        )
    return frozenset()


def _leaves(annotation: Any) -> frozenset[str]:
    return items(annotation) | kinds(annotation)


def _scalar_kind(v: Any) -> str:
    return BOOL if isinstance(v, bool) else INT if isinstance(v, int | float) else STR


def _kind(v: Any) -> str | None:
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int | float):
        return INT
    return STR if isinstance(v, str) else None


_TYPES = {BOOL: (bool,), INT: (int, float), STR: (str,)}
_NOT_CHECKED = (type(None), dict)


@cache
def field_kinds(
    cls: type[BaseModel],
) -> dict[str, tuple[frozenset[str], frozenset[str], frozenset[type]]]:
    """Field name -> (kinds of the value, kinds of its items if it is a list, the Python types
    a value may have without a closer look)."""
    out: dict[str, tuple[frozenset[str], frozenset[str], frozenset[type]]] = {}
    for name, f in cls.model_fields.items():
        allowed, allowed_items = kinds(f.annotation), items(f.annotation)
        if any(isinstance(m, BeforeValidator) for m in f.metadata):
            allowed |= allowed_items  # a shorthand, such as `kernel_size: 3` for (3, 3)
        fine: set[type] = {t for k in allowed for t in _TYPES[k]} | set(_NOT_CHECKED)
        out[name] = (allowed, allowed_items, frozenset(fine))
    return out


def wrong_kind(cls: type[BaseModel], data: dict[str, Any]) -> tuple[str, str] | None:
    """(field, message) for the first value lax mode would coerce, else None."""
    table = field_kinds(cls)
    for key, value in data.items():
        entry = table.get(key)
        if entry is None or type(value) in entry[2]:
            continue  # an unknown key (pydantic reports it) or a value of a declared type
        allowed, allowed_items, _ = entry
        kind = _kind(value)
        if kind is not None:
            if kind == STR and INT in allowed and _numeric(value):
                continue  # YAML 1.1 reads `1e-3` (no dot) as a string; pydantic parses it
            if kind not in allowed:
                return key, f"expected {_expected(allowed, allowed_items)}, got {value!r}"
        elif isinstance(value, list | tuple) and allowed_items:
            for item in _flat(value):
                k = _kind(item)
                if k is not None and k not in allowed_items:
                    return (
                        key,
                        f"expected {_expected(allowed_items, frozenset())} items, got {item!r}",
                    )
    return None


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _flat(values: Iterable[Any]) -> Iterator[Any]:
    for v in values:
        if isinstance(v, list | tuple):
            yield from _flat(v)
        else:
            yield v


def _expected(allowed: frozenset[str], allowed_items: frozenset[str]) -> str:
    names = {BOOL: "a boolean", INT: "a number", STR: "a string"}
    words = [names[k] for k in (BOOL, INT, STR) if k in allowed]
    if allowed_items:
        words.append("a list")
    return " or ".join(words) if words else "null"
