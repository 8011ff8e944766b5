"""YAML + safetensors I/O. Loading keeps line marks for errors; saving is atomic and stable."""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from .errors import Issue, SchemaError, WeightsError
from .model import InputSpec, Model
from .node import Node
from .ops import op_class

if TYPE_CHECKING:
    import numpy as np

TOP_LEVEL = tuple(Model.model_fields)


# --- reading --------------------------------------------------------------------------------


# libyaml's parser is several times faster than PyYAML's; the Python one is the fallback.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str, file: str | None) -> tuple[Any, Marks]:
    """Parse YAML safely, returning the data and (line, column) of every mapping key/item."""
    loader = _SafeLoader(text)
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


def _check_aliases(root, text: str, file: str | None) -> None:
    """Refuse YAML aliases that refer to themselves (``&a [*a]``, endless data) or expand
    far beyond the text (nested aliases, the "billion laughs"): both would hang or crash
    everything that walks the data. Only run when the text has an alias at all."""
    budget = 10 * len(text) + 1000
    visiting: set[int] = set()

    def visit(node) -> None:
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


class Marks(Mapping):
    """Path tuple -> (line, column), both 1-based, of every mapping key and list item.

    Found on first use by parsing the text again: a valid spec never asks, and keeping the
    composed YAML tree instead would hold about 4 KB per node of a big spec.
    """

    def __init__(self, text: str):
        self._text: str | None = text
        self._marks: dict[tuple, tuple[int, int]] | None = None

    def _all(self) -> dict[tuple, tuple[int, int]]:
        if self._marks is None:
            loader = _SafeLoader(self._text)
            try:
                root = loader.get_single_node()
            finally:
                loader.dispose()
            self._marks = _walk_marks(root) if root is not None else {}
            self._text = None
        return self._marks

    def __getitem__(self, path: tuple) -> tuple[int, int]:
        return self._all()[path]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __deepcopy__(self, memo) -> Marks:  # read-only: copies of a Model may share it
        return self


def _walk_marks(root) -> dict[tuple, tuple[int, int]]:
    constructor = yaml.SafeLoader("")  # turns key scalars into the values the data holds
    marks: dict[tuple, tuple[int, int]] = {}

    def key_of(k):
        if not isinstance(k, yaml.ScalarNode):
            return None
        if k.tag == "tag:yaml.org,2002:str":
            return k.value
        try:
            return constructor.construct_object(k)
        except yaml.YAMLError:  # `<<` merge keys have no value of their own
            return k.value

    def walk(node, path):
        marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = key_of(k)
                marks[(*path, key)] = (k.start_mark.line + 1, k.start_mark.column + 1)
                walk(v, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*path, i))

    walk(root, ())
    return marks


def _pydantic_issues(err: ValidationError, prefix: tuple, marks, file, node=None, op=None):
    issues = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        attr = str(loc[0]) if loc else None
        line_col = None
        for n in range(len(loc), -1, -1):
            line_col = marks.get((*prefix, *loc[:n]))
            if line_col:
                break
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown attribute (not allowed for this op)" if node else "unknown field"
        elif e["type"] == "missing":
            msg = "required attribute is missing" if node else "required field is missing"
        elif "input" in e and e["type"] not in ("model_type", "dict_type"):
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
                kind="SchemaError",
            )
        )
    return issues


def _parse_node(raw: Any, i: int, marks, file, issues: list[Issue]) -> Node | None:
    def where():  # only looked up on an error: marks are built on first use
        at = marks.get(("nodes", i))
        return dict(file=file, line=at and at[0], column=at and at[1], kind="SchemaError")

    if not isinstance(raw, dict):
        issues.append(Issue(f"nodes[{i}] must be a mapping with an 'op', got {raw!r}", **where()))
        return None
    label = raw.get("name") if isinstance(raw.get("name"), str) else f"nodes[{i}]"
    if "op" not in raw:
        issues.append(Issue("missing 'op'", node=label, attr="op", **where()))
        return None
    try:
        cls = op_class(raw["op"])
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
    if isinstance(raw.get("inputs"), str):  # `inputs: x` is shorthand for `inputs: [x]`
        raw = {**raw, "inputs": [raw["inputs"]]}
    try:
        return cls.model_validate(raw)
    except ValidationError as e:
        issues.extend(_pydantic_issues(e, ("nodes", i), marks, file, node=label, op=raw["op"]))
        return None


def from_dict(data: Any, *, file: str | None = None, marks=None) -> Model:
    """Build a Model from parsed YAML, reporting every schema problem with its location."""
    marks = {} if marks is None else marks
    issues: list[Issue] = []

    def top_issue(msg, key=None):
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
                issues.extend(_pydantic_issues(e, ("inputs", name), marks, file, node=str(name)))
    raw_nodes = data.get("nodes")
    nodes = []
    if not isinstance(raw_nodes, list) or not raw_nodes:
        top_issue("'nodes' must be a non-empty list", "nodes")
    else:
        nodes = [_parse_node(raw, i, marks, file, issues) for i, raw in enumerate(raw_nodes)]
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
    training = None
    if data.get("training") is not None:
        from .training import Training

        try:
            training = Training.model_validate(data["training"])
        except ValidationError as e:
            issues.extend(_pydantic_issues(e, ("training",), marks, file))
    if issues:
        raise SchemaError(issues=issues)
    model = Model(
        nnspec=1,
        name=data.get("name", Path(file).stem if file else "model"),
        metadata=data.get("metadata", {}),
        inputs=inputs,
        nodes=nodes,
        outputs=outputs,
        weights=data.get("weights"),
        training=training,
    )
    model._marks = marks
    model._file = file
    return model


def loads(text: str, *, file: str | None = None) -> Model:
    """A Model from YAML text (no weights are read)."""
    data, marks = _compose(text, file)
    return from_dict(data, file=file, marks=marks)


def load(path, *, weights: bool = True) -> Model:
    """Read a spec and, when it names one, its safetensors weights file beside it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SchemaError(f"cannot read spec: {e.strerror or e}", file=str(path)) from None
    model = loads(text, file=str(path))
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
    rel = Path(model.weights)
    target = (folder / rel).resolve()
    if rel.is_absolute() or not target.is_relative_to(folder.resolve()):
        raise _weights_error(
            model,
            f"weights path {model.weights!r} leaves the spec's folder",
            hint="keep the .safetensors file beside the YAML (or below it)",
        )
    return target


def load_weights(model: Model, folder) -> dict[str, np.ndarray]:
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    target = weights_path(model, Path(folder))
    if not target.is_file():
        raise _weights_error(model, f"weights file {model.weights!r} not found")
    try:
        arrays = load_file(str(target))
    except (SafetensorError, OSError, ValueError) as e:
        raise _weights_error(
            model, f"weights file {model.weights!r} is not a readable safetensors file ({e})"
        ) from None
    if not arrays:  # save() writes no file for a model without weights
        raise _weights_error(model, f"weights file {model.weights!r} holds no weights")
    return arrays


# --- writing --------------------------------------------------------------------------------


class _Flow(dict):
    """A mapping written on one line: a node reads like `{op: dense, units: 10}`."""


class _Dumper(yaml.SafeDumper):
    pass


def _plain(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if type(v).__module__ == "numpy" and hasattr(v, "item"):  # a numpy scalar
        return v.item()
    return v


_Dumper.add_representer(
    _Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)
)
_Dumper.add_representer(
    # Lists of values on one line (`kernel_size: [3, 3]`); the list of nodes one per line.
    list,
    lambda d, v: d.represent_sequence(
        "tag:yaml.org,2002:seq", v, flow_style=not any(isinstance(x, dict) for x in v)
    ),
)


def node_to_dict(node: Node, implicit_input: str | None) -> dict:
    """name, op, inputs (unless the implicit previous tensor), then non-default attributes."""
    out: dict[str, Any] = {"name": node.name, "op": node.op}
    if node.inputs != ([implicit_input] if implicit_input is not None else []):
        out["inputs"] = list(node.inputs or [])
    if node.shares is not None:
        out["shares"] = node.shares
    fields = type(node).model_fields
    attrs = node.attrs()
    # Required attributes first (`filters`, `kernel_size`), then the rest in declared order.
    for key in sorted(attrs, key=lambda k: not fields[k].is_required()):
        value = attrs[key]
        default = fields[key].default
        if fields[key].is_required() or _plain(value) != _plain(default):
            out[key] = _plain(value)
    return out


def to_dict(model: Model) -> dict:
    data: dict[str, Any] = {"nnspec": 1, "name": model.name}
    if model.metadata:
        data["metadata"] = _plain(model.metadata)
    data["inputs"] = {k: _Flow(shape=list(v.shape), dtype=v.dtype) for k, v in model.inputs.items()}
    nodes, previous = [], next(iter(model.inputs), None)
    for node in model.nodes:
        nodes.append(_Flow(node_to_dict(node, previous)))
        previous = node.name
    data["nodes"] = nodes
    data["outputs"] = list(model.outputs)
    if model.weights:
        data["weights"] = model.weights
    if model.training is not None:
        from .training import dump_training

        data["training"] = dump_training(model.training)
    return data


def dump_yaml(model: Model) -> str:
    return yaml.dump(
        to_dict(model),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 20,
        default_flow_style=False,
    )


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)``, then move the file into place; nothing half-written remains."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_weights(params: dict[str, np.ndarray], path) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    arrays = {k: np.ascontiguousarray(params[k]) for k in sorted(params)}
    atomic_write(Path(path), lambda tmp: save_file(arrays, tmp, metadata={"format": "nnspec"}))


def save(model: Model, path, *, weights: bool = True) -> None:
    """Write ``path`` (YAML) and, when the model has weights, ``<stem>.safetensors`` beside it."""
    path = Path(path)
    if weights and model.params:
        model.weights = (
            model.weights
            if model.weights and "/" not in model.weights
            else (path.stem + ".safetensors")
        )
        save_weights(model.params, path.parent / model.weights)
    text = dump_yaml(model)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
