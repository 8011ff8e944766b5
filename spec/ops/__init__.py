"""The op catalog: every public module of this package, each listing its node classes in ``OPS``.

Adding an op is adding its module here (and its converters); nothing lists it by hand. A
module holds one op or one family sharing attributes and a shape rule (``pooling`` holds
max/avg pooling in 1-3 D). ``_index.py``, generated from the modules' ``OPS`` by
``python -m nnspec.spec.gen_index``, says which module declares each tag, so that loading a
spec imports only the modules it uses; a tag it lacks is still found, by importing them all
(a test fails while the index is stale).
"""

from __future__ import annotations

import importlib
from functools import cache
from types import ModuleType
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from ..discover import public_modules
from ..errors import SchemaError
from ..node import Node
from ._index import MODULE_OF

_user_ops: dict[str, type[Node]] = {}


@cache
def op_module_names() -> tuple[str, ...]:
    """The op modules: every public module of this package (found, not listed)."""
    return public_modules(__name__)


@cache
def _module_ops(mod: str) -> dict[str, type[Node]]:
    return {cls.tag(): cls for cls in importlib.import_module(f"{__name__}.{mod}").OPS}


def tag_index() -> dict[str, str]:
    """Op tag -> the module declaring it, from every module's ``OPS`` (imports them all);
    ``_index.py`` is this table, generated, so that loading a spec needs only its own ops."""
    index: dict[str, str] = {}
    for mod in op_module_names():
        for tag in _module_ops(mod):
            if tag in index:
                raise RuntimeError(f"op {tag!r} is declared twice: in {index[tag]} and in {mod}")
            index[tag] = mod
    return index


def _builtin() -> dict[str, type[Node]]:
    return {tag: _module_ops(mod)[tag] for tag, mod in tag_index().items()}


def reset() -> None:
    """Forget the modules found so far (a test that adds a folder to ``__path__``)."""
    op_module_names.cache_clear()
    _module_ops.cache_clear()


def catalog() -> dict[str, type[Node]]:
    """Op tag -> node class, built-in ops and those added with :func:`register_op`."""
    return {**_builtin(), **_user_ops}


def op_modules() -> dict[str, ModuleType]:
    """Op tag -> the module declaring it (for samples and docs)."""
    return {cls.tag(): importlib.import_module(cls.__module__) for cls in catalog().values()}


def register_op(cls: type[Node]) -> type[Node]:
    """Add a user-defined op to the catalog (usable as a decorator). Tags must be new."""
    if not (isinstance(cls, type) and issubclass(cls, Node)):
        raise TypeError(f"register_op expects a Node subclass, got {cls!r}")
    tag = cls.tag()
    if not isinstance(tag, str) or not tag:
        raise TypeError(f"{cls.__name__} needs `op: Literal['<tag>'] = '<tag>'`")
    if tag in catalog():
        raise ValueError(f"op {tag!r} is already registered")
    _user_ops[tag] = cls
    return cls


def unregister_op(tag: str) -> None:
    _user_ops.pop(tag, None)


def op_class(tag: object) -> type[Node]:
    """The node class for a tag, or a SchemaError suggesting the nearest known names."""
    if isinstance(tag, str) and tag in _user_ops:
        return _user_ops[tag]
    indexed = MODULE_OF.get(tag) if isinstance(tag, str) else None
    if indexed in op_module_names() and tag in (ops := _module_ops(indexed)):
        return ops[tag]
    ops = catalog()  # a tag missing from the index (not regenerated yet) is still found
    if isinstance(tag, str) and tag in ops:
        return ops[tag]
    import difflib  # here: only an unknown op needs it

    near = difflib.get_close_matches(str(tag), list(ops), n=3, cutoff=0.6)
    hint = f"did you mean {', '.join(repr(n) for n in near)}?" if near else None
    raise SchemaError(f"unknown op {tag!r}", attr="op", hint=hint)


def op_union(classes: tuple[type[Node], ...]) -> Any:
    """The node type discriminated on ``op`` over ``classes``: the JSON Schema uses the union of
    every op; ``Model`` validates a mapping with the union of its own op alone (op_adapter)."""
    return Annotated[Union[classes], Field(discriminator="op")]  # noqa: UP007 (a runtime tuple)


@cache
def _adapter(cls: type[Node]) -> TypeAdapter[Node]:
    return TypeAdapter(op_union((cls,)))


def op_adapter(tag: object) -> TypeAdapter[Node]:
    """Validates a mapping as the op it names (errors located ``(tag, attribute)``, as in the
    union of every op); imports only that op's module."""
    return _adapter(op_class(tag))
