"""Writing specs: the canonical YAML that ``save`` and ``nnspec fmt`` write, and atomic files.

Kept apart from reading (spec/io.py, which re-exports all of it) so that ``Model.save`` and
``Model.to_yaml`` import it without an import cycle through the reader.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import WeightsError

if TYPE_CHECKING:
    import numpy as np

    from .model import Model
    from .node import Node


class _Flow(dict[str, Any]):
    """A mapping written on one line: a node reads like `{op: dense, units: 10}`."""


class _Dumper(yaml.SafeDumper):
    pass


# libyaml's emitter writes what PyYAML's does three times faster, except for some strings:
# non-ASCII and control characters (it escapes astral ones, writes NEL differently), empty
# keys and keys of 123-127 characters (its limit for a simple key is counted otherwise).
# A document of printable-ASCII strings and keys of 1-100 characters is written by it
# (tests/spec/test_dump_libyaml.py compares the two); any other by PyYAML's.
if TYPE_CHECKING:  # the stubs type CSafeDumper apart; both take the same representers
    _CDumper: type[yaml.SafeDumper] | None = _Dumper
else:
    _CDumper = type("_CDumper", (yaml.CSafeDumper,), {}) if hasattr(yaml, "CSafeDumper") else None
_DUMPERS = (_Dumper,) if _CDumper is None else (_Dumper, _CDumper)


def _plain(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if type(v).__module__ == "numpy" and hasattr(v, "item"):  # a numpy scalar
        return v.item()
    return v


def _flow_mapping(d: yaml.SafeDumper, v: _Flow) -> yaml.MappingNode:
    return d.represent_mapping("tag:yaml.org,2002:map", v, flow_style=True)


def _list(d: yaml.SafeDumper, v: list[Any]) -> yaml.SequenceNode:
    # Lists of values on one line (`kernel_size: [3, 3]`); the list of nodes one per line.
    flow = not any(isinstance(x, dict) for x in v)
    return d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=flow)


for _dumper in _DUMPERS:
    _dumper.add_representer(_Flow, _flow_mapping)
    _dumper.add_representer(list, _list)


def _ascii(s: str) -> bool:
    return s.isascii() and s.isprintable()


def libyaml_writes_it(data: Any) -> bool:
    """Whether libyaml's emitter writes ``data`` exactly as PyYAML's does (see above)."""
    stack = [data]
    while stack:
        v = stack.pop()
        if type(v) is str:
            if not _ascii(v):
                return False
        elif type(v) is list:
            stack.extend(v)
        elif isinstance(v, dict):
            for k, x in v.items():
                if type(k) is not str or not 0 < len(k) <= 100 or not _ascii(k):
                    return False
                stack.append(x)
        elif not isinstance(v, int | float | None):  # bool is an int
            return False
    return True


def node_to_dict(node: Node, implicit_input: str | None) -> dict[str, Any]:
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


def to_dict(model: Model) -> dict[str, Any]:
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
    data = to_dict(model)
    return yaml.dump(
        data,
        Dumper=_CDumper if _CDumper is not None and libyaml_writes_it(data) else _Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1 << 20,
        default_flow_style=False,
    )


def umask() -> int:
    """The process umask (read without changing it where Linux allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the umask (mkstemp's is 0o600)."""
    return 0o666 & ~umask()


def atomic_write(path: str | os.PathLike[str], write: Callable[[str], object]) -> None:
    """Call ``write(tmp_path)``, then move the file into place; nothing half-written remains."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # here: shutil, random and more, which reading a spec never needs

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_weights(params: dict[str, np.ndarray], path: str | os.PathLike[str]) -> None:
    import numpy as np
    from safetensors import SafetensorError
    from safetensors.numpy import save_file

    # np.require keeps a 0-d weight 0-d (ascontiguousarray would write a scalar as (1,))
    arrays = {k: np.require(params[k], requirements="C") for k in sorted(params)}
    try:
        atomic_write(Path(path), lambda tmp: save_file(arrays, tmp, metadata={"format": "nnspec"}))
    except SafetensorError as e:  # from Rust: a full disk, a file-size limit
        text = str(e)
        found = re.search(r"I/O error: (.*?) \(os error (\d+)\)", text)
        if found:  # as an OSError, which callers already turn into one line
            raise OSError(int(found.group(2)), found.group(1), str(path)) from None
        raise WeightsError(f"cannot write weights: {text}", file=str(path)) from None


def save(model: Model, path: str | os.PathLike[str], *, weights: bool = True) -> None:
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
