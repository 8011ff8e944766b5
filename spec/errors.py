"""One error type, structured: every problem names where it is (file, node, attribute, line)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One problem found in a spec. ``severity`` is "error" or "warning"."""

    message: str
    node: str | None = None
    op: str | None = None
    attr: str | None = None
    file: str | None = None
    line: int | None = None  # 1-based, as editors count
    column: int | None = None
    hint: str | None = None
    severity: str = "error"
    kind: str = "SpecError"

    def located(self) -> str:
        """``file:line:col`` as far as it is known."""
        parts = [self.file or "<spec>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where = []
        if self.node is not None:
            where.append(f"node {self.node!r}" + (f" ({self.op})" if self.op else ""))
        if self.attr is not None:
            where.append(f"attribute {self.attr!r}")
        prefix = f"{self.located()}: " if self.file or self.line is not None else ""
        text = prefix + (", ".join(where) + ": " if where else "") + self.message
        if self.severity == "warning":
            text = text.replace(": ", ": warning: ", 1) if prefix else "warning: " + text
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class SpecError(Exception):
    """A spec (or a model being converted) is invalid. Carries every :class:`Issue` found.

    Raised with a message (and optional location fields) for a single problem, or with
    ``issues=[...]`` for several; ``str(err)`` lists them all, one per line.
    """

    def __init__(
        self,
        message: str = "",
        *,
        node: str | None = None,
        op: str | None = None,
        attr: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        issues: list[Issue] | None = None,
    ):
        if issues is None:
            issues = [
                Issue(
                    message,
                    node=node,
                    op=op,
                    attr=attr,
                    file=file,
                    line=line,
                    column=column,
                    hint=hint,
                    kind=type(self).__name__,
                )
            ]
        self.issues: list[Issue] = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    # The first issue's fields, for callers that handle one problem at a time.
    @property
    def message(self) -> str:
        return self.issues[0].message

    @property
    def node(self) -> str | None:
        return self.issues[0].node

    @property
    def attr(self) -> str | None:
        return self.issues[0].attr

    @property
    def line(self) -> int | None:
        return self.issues[0].line

    @property
    def file(self) -> str | None:
        return self.issues[0].file

    def with_context(self, **fields: Any) -> SpecError:
        """The same error with location fields filled in where they were unknown."""
        issues = [
            replace(i, **{k: v for k, v in fields.items() if getattr(i, k) is None})
            for i in self.issues
        ]
        return type(self)(issues=issues)


class SchemaError(SpecError):
    """The YAML does not follow the schema: unknown op or field, wrong type, bad syntax."""


class AttrError(SpecError):
    """An attribute value is not allowed (raised by an op's rules, without the node name)."""

    def __init__(
        self,
        attr: str | None = None,
        message: str = "",
        *,
        issues: list[Issue] | None = None,
        **fields: Any,
    ) -> None:
        if issues is not None:
            super().__init__(issues=issues)
        else:
            super().__init__(message, attr=attr, **fields)


class ShapeError(SpecError):
    """Input shapes don't fit what an op needs."""


class GraphError(SpecError):
    """The graph is malformed: duplicate names, unknown inputs, cycles."""


class WeightsError(SpecError):
    """A weights file is missing or does not match the spec."""


class UnsupportedOpError(SpecError):
    """A layer or op has no converter for the requested framework."""


class ConversionError(SpecError):
    """A model could not be converted (a framework construct nnspec refuses)."""


class MissingDependencyError(SpecError, ImportError):
    """A framework an optional extra installs is missing (see :mod:`.extras`)."""


@dataclass
class Report:
    """What validation found: errors and warnings, in node order."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> None:
        if self.errors:
            kinds = {i.kind for i in self.errors}
            cls = _ERROR_TYPES.get(kinds.pop(), SpecError) if len(kinds) == 1 else SpecError
            raise cls(issues=self.errors)


_ERROR_TYPES = {
    c.__name__: c
    for c in (
        SpecError,
        SchemaError,
        AttrError,
        ShapeError,
        GraphError,
        WeightsError,
        UnsupportedOpError,
        ConversionError,
        MissingDependencyError,
    )
}
