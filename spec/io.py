"""YAML + safetensors I/O. Loading keeps line marks for errors; saving is atomic and stable."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from .errors import Issue, SchemaError, WeightsError
from .model import InputSpec, Model
from .nesting import check_depth
from .node import Node
from .ops import op_class
from .weights_file import WeightsFileError, read_arrays
from .write import (  # writing lives in spec/write.py; re-exported (__all__)
    atomic_write,
    default_file_mode,
    dump_yaml,
    libyaml_writes_it,
    node_to_dict,
    save,
    save_weights,
    to_dict,
    umask,
)
from .yaml_events import NOT_PLAIN, load_plain

if TYPE_CHECKING:
    import numpy as np

TOP_LEVEL = tuple(Model.model_fields)


# --- reading --------------------------------------------------------------------------------


# libyaml's parser is several times faster than PyYAML's; the Python one is the fallback.
if TYPE_CHECKING:  # the stubs type CSafeLoader apart; both construct the same objects
    _SafeLoader = yaml.SafeLoader
else:
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# A position in the YAML data: mapping keys and list indices from the root.
YamlPath = tuple[Any, ...]
_INT_TAG = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(_SafeLoader):
    """``safe_load`` that refuses what it would otherwise accept silently or crash on: a key
    given twice (the last one would win) and integers too long for ``int()``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        # A tag (`!!map`) can hand it another kind of node; the base class refuses those.
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)
        pairs = list(node.value)  # before `<<` merges are flattened into it
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) < len(pairs):  # fewer keys than pairs: look closer (rare, so slower)
            seen: dict[Any, Any] = {}
            for key_node in (k for k, _ in pairs if k.tag != _MERGE_TAG):  # may be overridden
                first = seen.setdefault(self.construct_object(key_node), key_node)
                if first is not key_node:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"key {self.construct_object(key_node)!r} is given twice (first at line "
                        f"{first.start_mark.line + 1}, column {first.start_mark.column + 1})",
                        key_node.start_mark,
                    )
        return mapping

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = len(node.value) > 1000 and sum(c.isdigit() for c in node.value)
        if digits > 1000:  # int() refuses more than 4,300 digits; no size needs 1,000
            raise yaml.constructor.ConstructorError(
                None, None, f"an integer of {digits} digits is too large", node.start_mark
            )
        return super().construct_yaml_int(node)


_StrictLoader.add_constructor(_INT_TAG, _StrictLoader.construct_yaml_int)


def _compose(text: str, file: str | None) -> tuple[Any, Marks]:
    """Parse YAML safely, returning the data and (line, column) of every mapping key/item."""
    data = load_plain(text, _SafeLoader, file)  # refuses deep text itself
    if data is not NOT_PLAIN:
        return data, Marks(text)
    check_depth(text, file, _SafeLoader)
    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
        if root is not None and "*" in text:
            _check_aliases(root, text, file)
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e)
        # Where the parser noticed is often after the real mistake (an unclosed bracket):
        # name the construct it was reading and where that started.
        context, start = getattr(e, "context", None), getattr(e, "context_mark", None)
        if context and start and (not mark or start.line != mark.line):
            problem += f" ({context} at line {start.line + 1}, column {start.column + 1})"
        raise SchemaError(
            f"malformed YAML: {problem}",
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    finally:
        loader.dispose()
    return data, Marks(text)


def _check_aliases(root: yaml.Node, text: str, file: str | None) -> None:
    """Refuse YAML aliases that refer to themselves (``&a [*a]``, endless data) or expand
    far beyond the text (nested aliases, the "billion laughs"): both would hang or crash
    everything that walks the data. Only run when the text has an alias at all."""
    budget = 10 * len(text) + 1000
    visiting: set[int] = set()

    def visit(node: yaml.Node) -> None:
        nonlocal budget
        budget -= 1
        if budget < 0:
            raise SchemaError(
                "YAML aliases expand to far more data than the file holds",
                file=file,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
            )
        if id(node) in visiting:
            raise SchemaError(
                "a YAML alias refers to the collection that contains it",
                file=file,
                line=node.start_mark.line + 1,
                column=node.start_mark.column + 1,
            )
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            visiting.add(id(node))
            for child in node.value:
                for item in child if isinstance(child, tuple) else (child,):
                    visit(item)
            visiting.discard(id(node))

    visit(root)


class Marks(Mapping[YamlPath, tuple[int, int]]):
    """Path tuple -> (line, column), both 1-based, of every mapping key and list item.

    Found on first use by parsing the text again: a valid spec never asks, and keeping the
    composed YAML tree instead would hold about 4 KB per node of a big spec.
    """

    def __init__(self, text: str) -> None:
        self._text: str = text
        self._marks: dict[YamlPath, tuple[int, int]] | None = None

    def _all(self) -> dict[YamlPath, tuple[int, int]]:
        if self._marks is None:
            loader = _SafeLoader(self._text)
            try:
                root = loader.get_single_node()
            finally:
                loader.dispose()
            self._marks = _walk_marks(root) if root is not None else {}
            self._text = ""
        return self._marks

    def __getitem__(self, path: YamlPath) -> tuple[int, int]:
        return self._all()[path]

    def __iter__(self) -> Iterator[YamlPath]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __deepcopy__(self, memo: object) -> Marks:  # read-only: copies of a Model may share it
        return self


def _walk_marks(root: yaml.Node) -> dict[YamlPath, tuple[int, int]]:
    constructor = yaml.SafeLoader("")  # turns key scalars into the values the data holds
    marks: dict[YamlPath, tuple[int, int]] = {}

    def key_of(k: yaml.Node) -> Any:
        if not isinstance(k, yaml.ScalarNode):
            return None
        if k.tag == "tag:yaml.org,2002:str":
            return k.value
        try:
            return constructor.construct_object(k)
        except yaml.YAMLError:  # `<<` merge keys have no value of their own
            return k.value

    def walk(node: yaml.Node, path: YamlPath) -> None:
        marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = key_of(k)
                marks[path + (key,)] = (k.start_mark.line + 1, k.start_mark.column + 1)
                walk(v, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*path, i))

    walk(root, ())
    return marks


def _pydantic_issues(
    err: ValidationError,
    prefix: YamlPath,
    marks: Mapping[YamlPath, tuple[int, int]],
    file: str | None,
    node: str | None = None,
    op: str | None = None,
    fields: Iterable[str] = (),
) -> list[Issue]:
    issues = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        if e["type"] == "wrong_kind":  # raised for the whole node; name the attribute
            loc = (*loc, e["ctx"]["field"])
        attr = str(loc[0]) if loc else None
        line_col = None
        for n in range(len(loc), -1, -1):
            line_col = marks.get((*prefix, *loc[:n]))
            if line_col:
                break
        msg, hint = e["msg"], None
        if e["type"] == "extra_forbidden":
            msg = "unknown attribute (not allowed for this op)" if node else "unknown field"
            import difflib  # here: only a spec with a mistake needs it

            near = difflib.get_close_matches(str(loc[-1]), list(fields), n=1, cutoff=0.6)
            hint = f"did you mean {near[0]!r}?" if near else None
        elif e["type"] == "missing":
            msg = "required attribute is missing" if node else "required field is missing"
        elif e["type"] == "value_error":  # our own validators' messages say what they got
            msg = msg.removeprefix("Value error, ")
        elif e["type"] not in ("model_type", "dict_type", "wrong_kind"):
            msg += f", got {e['input']!r}"
        if len(loc) > 1:
            attr = ".".join(str(p) for p in loc)
        issues.append(
            Issue(
                msg,
                node=node,
                op=op,
                attr=attr,
                file=file,
                line=line_col and line_col[0],
                column=line_col and line_col[1],
                hint=hint,
                kind="SchemaError",
            )
        )
    return issues


def _parse_node(
    raw: Any,
    i: int,
    marks: Mapping[YamlPath, tuple[int, int]],
    file: str | None,
    issues: list[Issue],
    classes: dict[str, type[Node]] | None = None,
) -> Node | None:
    """Node ``i`` of the spec, or None with its issues added. ``classes`` memoises op_class
    over one read (its lookup is a few dict probes and calls: per node, it shows)."""

    def where() -> dict[str, Any]:  # only looked up on an error: marks are built on first use
        at = marks.get(("nodes", i))
        return dict(file=file, line=at and at[0], column=at and at[1], kind="SchemaError")

    if not isinstance(raw, dict):
        issues.append(Issue(f"nodes[{i}] must be a mapping with an 'op', got {raw!r}", **where()))
        return None
    label = raw.get("name") if isinstance(raw.get("name"), str) else f"nodes[{i}]"
    if "op" not in raw:
        issues.append(Issue("missing 'op'", node=label, attr="op", **where()))
        return None
    tag = raw["op"]
    try:
        cls = classes.get(tag) if classes is not None and isinstance(tag, str) else None
        if cls is None:
            cls = op_class(tag)
            if classes is not None and isinstance(tag, str):
                classes[tag] = cls
    except SchemaError as e:
        op_at = marks.get(("nodes", i, "op"), marks.get(("nodes", i)))
        issues.append(
            Issue(
                e.message,
                node=label,
                attr="op",
                file=file,
                line=op_at and op_at[0],
                column=op_at and op_at[1],
                hint=e.issues[0].hint,
                kind="SchemaError",
            )
        )
        return None
    try:
        return cls.model_validate(raw)
    except ValidationError as e:
        fields = [f for f in cls.model_fields if f != "op"]
        issues.extend(
            _pydantic_issues(e, ("nodes", i), marks, file, node=label, op=raw["op"], fields=fields)
        )
        return None


def from_dict(
    data: Any, *, file: str | None = None, marks: Mapping[YamlPath, tuple[int, int]] | None = None
) -> Model:
    """Build a Model from parsed YAML, reporting every schema problem with its location."""
    marks = marks if marks is not None else {}
    issues: list[Issue] = []

    def top_issue(msg: str, key: str | None = None) -> None:
        at = marks.get((key,) if key else ())
        issues.append(
            Issue(
                msg, attr=key, file=file, line=at and at[0], column=at and at[1], kind="SchemaError"
            )
        )

    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        top_issue(f"a spec must be a mapping with 'nnspec', 'inputs' and 'nodes', got {got}")
        raise SchemaError(issues=issues)
    for key in data:
        if key not in TOP_LEVEL:
            import difflib

            near = difflib.get_close_matches(str(key), TOP_LEVEL, n=1, cutoff=0.6)
            top_issue(
                f"unknown field {key!r}" + (f" (did you mean {near[0]!r}?)" if near else ""), key
            )
    if data.get("nnspec", 1) != 1:
        top_issue(
            f"unsupported format version {data.get('nnspec')!r} (this nnspec reads 1)", "nnspec"
        )
    inputs = {}
    raw_inputs = data.get("inputs")
    if not isinstance(raw_inputs, dict) or not raw_inputs:
        top_issue("'inputs' must map input names to {shape: [...], dtype: ...}", "inputs")
    else:
        for name, spec in raw_inputs.items():
            try:
                inputs[str(name)] = InputSpec.model_validate(spec)
            except ValidationError as e:
                issues.extend(
                    _pydantic_issues(
                        e, ("inputs", name), marks, file, node=str(name), fields=("shape", "dtype")
                    )
                )
    raw_nodes = data.get("nodes")
    nodes = []
    if not isinstance(raw_nodes, list) or not raw_nodes:
        top_issue("'nodes' must be a non-empty list", "nodes")
    else:
        classes: dict[str, type[Node]] = {}
        nodes = [
            _parse_node(raw, i, marks, file, issues, classes) for i, raw in enumerate(raw_nodes)
        ]
    outputs = data.get("outputs", [])
    if isinstance(outputs, str):
        outputs = [outputs]
    if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
        top_issue("'outputs' must be a list of node names", "outputs")
        outputs = []
    for key in ("name", "weights"):
        if key in data and not isinstance(data[key], str):
            top_issue(f"'{key}' must be a string, got {data[key]!r}", key)
    if "metadata" in data and not isinstance(data["metadata"], dict):
        top_issue("'metadata' must be a mapping", "metadata")
    elif not all(isinstance(k, str) for k in data.get("metadata", {})):
        top_issue("'metadata' keys must be strings", "metadata")
    training = None
    if data.get("training") is not None:
        from .training import Training

        try:
            training = Training.model_validate(data["training"])
        except ValidationError as e:
            issues.extend(_pydantic_issues(e, ("training",), marks, file))
    if issues:
        raise SchemaError(issues=issues)
    # Every part is validated above, so the Model is assembled without validating it again
    # (which would build its whole schema, Training's included: start-up time of `validate`).
    model = Model.model_construct(
        nnspec=1,
        name=data.get("name", Path(file).stem if file else "model"),
        metadata=data.get("metadata", {}),
        inputs=inputs,
        nodes=[n for n in nodes if n is not None],  # all of them: no issue was found
        outputs=outputs,
        weights=data.get("weights"),
        training=training,
    )
    model._fill_shorthand()  # type: ignore[operator]  # the validator, called as a method
    model._marks = marks
    model._file = file
    return model


def loads(text: str, *, file: str | None = None) -> Model:
    """A Model from YAML text (no weights are read)."""
    data, marks = _compose(text, file)
    return from_dict(data, file=file, marks=marks)


MAX_SPEC_BYTES = 256 << 20  # a 100,000-node spec is about 5 MB


def read_text(path: Path) -> str:
    """The text of a spec file: a regular file (a FIFO or a device would hang or never end),
    at most :data:`MAX_SPEC_BYTES`, in UTF-8 (a UTF-8 byte-order mark is allowed)."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError) as e:
        raise SchemaError(f"cannot read spec: {_reason(e)}", file=str(path)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise SchemaError(f"cannot read spec: {what}", file=str(path))
        if info.st_size > MAX_SPEC_BYTES:
            raise SchemaError(
                f"cannot read spec: {info.st_size:,} bytes, more than the "
                f"{MAX_SPEC_BYTES:,} a spec may have",
                file=str(path),
            )
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_SPEC_BYTES + 1)
    except OSError as e:
        raise SchemaError(f"cannot read spec: {_reason(e)}", file=str(path)) from None
    finally:
        os.close(fd)
    return decode_text(data, str(path))


def _reason(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e)


def decode_text(data: bytes, file: str | None) -> str:
    """UTF-8 text, or a SchemaError naming the line and column of the first bad byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SchemaError(
            "the spec is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8",
            file=file,
            line=1,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise SchemaError(
            f"the spec is not UTF-8: byte 0x{data[e.start]:02x} cannot be decoded; save it as UTF-8",
            file=file,
            line=line,
            column=column,
        ) from None


def load(path: str | os.PathLike[str], *, weights: bool = True) -> Model:
    """Read a spec and, when it names one, its safetensors weights file beside it."""
    path = Path(path)
    model = loads(read_text(path), file=str(path))
    if weights and model.weights:
        model.params = load_weights(model, path.parent)
    return model


def _weights_error(model: Model, message: str, hint: str | None = None) -> WeightsError:
    """An error located at the spec's ``weights:`` line (looked up only when raising)."""
    at = model.mark("weights")
    return WeightsError(
        message,
        attr="weights",
        file=model.source_file,
        line=at and at[0],
        column=at and at[1],
        hint=hint,
    )


def weights_path(model: Model, folder: Path) -> Path:
    """Where the spec's weights file is; refuses a path that leaves the spec's folder."""
    if model.weights is None:
        raise _weights_error(model, "the spec names no weights file")
    if "\0" in model.weights:
        raise _weights_error(model, f"weights path {model.weights!r} holds a NUL character")
    rel = Path(model.weights)
    target = (folder / rel).resolve()
    if rel.is_absolute() or not target.is_relative_to(folder.resolve()):
        raise _weights_error(
            model,
            f"weights path {model.weights!r} leaves the spec's folder",
            hint="keep the .safetensors file beside the YAML (or below it)",
        )
    return target


def load_weights(model: Model, folder: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The arrays of the spec's weights file. bfloat16 and float8 ones are widened to float32;
    the model keeps a warning for each (``model.load_notes``), which validation reports."""
    target = weights_path(model, Path(folder))
    if not target.is_file():
        what = "is not a regular file" if target.exists() else "not found"
        raise _weights_error(model, f"weights file {model.weights!r} {what}")
    try:
        arrays, widened = read_arrays(str(target))
    except WeightsFileError as e:
        raise _weights_error(
            model, f"weights file {model.weights!r} is not a readable safetensors file ({e})"
        ) from None
    if not arrays:  # save() writes no file for a model without weights
        raise _weights_error(model, f"weights file {model.weights!r} holds no weights")
    if widened:
        at = model.mark("weights")
        model.load_notes = [
            Issue(
                f"weight {name!r} is stored as {dtype}, which numpy lacks; read as float32 "
                "(which holds every such value exactly)",
                attr="weights",
                file=model.source_file,
                line=at and at[0],
                column=at and at[1],
                severity="warning",
                kind="WeightsError",
            )
            for name, dtype in widened.items()
        ]
    return arrays


__all__ = [
    "MAX_SPEC_BYTES",
    "TOP_LEVEL",
    "Marks",
    "YamlPath",
    "atomic_write",
    "decode_text",
    "default_file_mode",
    "dump_yaml",
    "from_dict",
    "libyaml_writes_it",
    "load",
    "load_weights",
    "loads",
    "node_to_dict",
    "read_text",
    "save",
    "save_weights",
    "to_dict",
    "umask",
    "weights_path",
]
