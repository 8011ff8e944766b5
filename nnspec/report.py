"""`nnspec convert --report`: every node's error between the Keras and the PyTorch model.

Keras intermediates come from a multi-output model of the same layers (each node's layer,
found by its name). PyTorch intermediates come from the generated ``forward`` itself, read
while it runs: the generator's table of which line binds which node's value to which local
(``TorchSource.node_lines``; a chain rebinds one local, ``x``, so a name alone does not say
the node), or, for a module without one, the locals named after nodes (through the module's
``NODE_IDS`` where a Python name differs). Both are brought
to the spec's canonical layout before they are compared (a channels-first tensor whose
channel axis moved is moved back), so the report does not depend on how the generator lays
tensors out. The first node whose error exceeds the tolerance is named.
"""

from __future__ import annotations

import json
import sys
import weakref
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import keras
    import torch

    from nnspec.spec.model import Model

TOLERANCE = 1e-4  # as the output check: max|a - b| <= TOLERANCE * max(1, max|keras|)


@dataclass
class NodeError:
    node: str
    op: str
    shape: str | None
    max_abs: float | None
    max_rel: float | None
    status: str  # ok, DIVERGES, or why there is nothing to compare


@dataclass
class NodeReport:
    rows: list[NodeError] = field(default_factory=list)
    first_divergence: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


# --- Keras ----------------------------------------------------------------------------------


def keras_intermediates(
    kmodel: keras.Model, spec: Model, arrays: list[np.ndarray]
) -> dict[str, list[np.ndarray]]:
    """Node name -> its output arrays, from a multi-output model over the named layers."""
    import keras

    tensors: list[Any] = []
    owners: list[tuple[str, int]] = []
    for node in spec.nodes:
        try:
            out = kmodel.get_layer(node.id).output
        except (ValueError, AttributeError):  # no such layer, or a layer called twice
            continue
        outs = list(out) if isinstance(out, list | tuple) else [out]
        tensors += outs
        owners += [(node.id, k) for k in range(len(outs))]
    if not tensors:
        return {}
    probe = keras.Model(kmodel.inputs, tensors)
    values = probe(list(arrays), training=False)
    values = values if isinstance(values, list | tuple) else [values]
    found: dict[str, list[np.ndarray]] = {}
    for (name, _), v in zip(owners, values):
        found.setdefault(name, []).append(np.asarray(v))
    return found


# --- PyTorch --------------------------------------------------------------------------------


def torch_intermediates(
    module: torch.nn.Module, spec: Model, arrays: list[np.ndarray], inputs_first: bool = False
) -> dict[str, list[np.ndarray]]:
    """Node name -> output arrays: the generated forward's locals, read line by line
    (``inputs_first``: images are fed channels-first)."""
    import torch

    if inputs_first:
        arrays = [np.moveaxis(a, -1, 1) if a.ndim >= 4 else a for a in arrays]

    forward = type(module).forward
    code = forward.__code__
    table = _node_lines(forward, spec, inputs_first)
    if table is not None:
        return _traced_by_line(module, spec, arrays, table)
    node_ids = forward.__globals__.get("NODE_IDS", {})
    captured: dict[str, Any] = {}

    # local -> weak references to the tensors captured for it
    seen: dict[str, list[weakref.ref[torch.Tensor]]] = {}

    # Every line, not only the return: forward frees each local after its last use, and a
    # ReLU may overwrite its input in place: each new value is copied when first seen.
    def local_tracer(frame: FrameType, event: str, arg: object) -> Any:
        for name, value in frame.f_locals.items():
            tensors = _tensors(value)
            if tensors is None:
                continue
            old = seen.get(name)
            if (
                old is None
                or len(old) != len(tensors)
                or any(r() is not t for r, t in zip(old, tensors))
            ):
                seen[name] = [weakref.ref(t) for t in tensors]
                clones = [t.detach().clone() for t in tensors]
                captured[name] = clones[0] if isinstance(value, torch.Tensor) else clones
        return local_tracer

    _run_traced(module, arrays, code, local_tracer)
    # Node id -> Python name: NODE_IDS for the names that differ, the id itself otherwise
    # (a temporary such as `x` is never taken for a node whose name had to change).
    local_of = {node_id: py for py, node_id in node_ids.items()}
    found: dict[str, list[np.ndarray]] = {}
    for node in spec.nodes:
        value = captured.get(local_of.get(node.id, node.id))
        values = value if isinstance(value, tuple | list) else (value,)
        if values and all(isinstance(v, torch.Tensor) for v in values):
            found[node.id] = [v.detach().numpy() for v in values]
    return found


Lines = dict[int, tuple[tuple[str, str], ...]]  # forward's line -> (local, tensor) bound


def _node_lines(forward: Any, spec: Model, channels_first: bool) -> Lines | None:
    """The generator's line -> node table of ``forward``: kept with a module built in memory;
    for a saved generated file, that of the spec's module when its forward is the same text."""
    from nnspec.backends.torch.codegen import NODE_LINES, generate

    table: Lines | None = forward.__globals__.get(NODE_LINES)
    if table is not None or not _generated_file(forward):
        return table
    import inspect

    try:
        text = inspect.getsource(forward)
    except (OSError, TypeError):
        return None
    src = generate(spec, channels_first=channels_first)
    return src.node_lines if f"\n{text}" in src.source else None


def _generated_file(forward: Any) -> bool:
    """``forward`` comes from a file nnspec wrote (its header says so)."""
    path = forward.__globals__.get("__file__")
    try:
        with open(path or "", encoding="utf-8") as f:
            return f.readline().startswith("# Generated by nnspec ")
    except OSError:
        return False


def _traced_by_line(
    module: torch.nn.Module, spec: Model, arrays: list[np.ndarray], table: Lines
) -> dict[str, list[np.ndarray]]:
    """Node name -> output arrays, each copied on the line after the one binding it (before a
    later line, an in-place ReLU or a rebinding, can change it)."""

    code = type(module).forward.__code__
    first = code.co_firstlineno
    captured: dict[str, list[torch.Tensor]] = {}

    def local_tracer(frame: FrameType, event: str, arg: object) -> Any:
        if event == "line":
            for local, ref in table.get(frame.f_lineno - first, ()):
                tensors = _tensors(frame.f_locals.get(local))
                if tensors is not None:
                    captured[ref] = [t.detach().clone() for t in tensors]
        return local_tracer

    _run_traced(module, arrays, code, local_tracer)
    found: dict[str, list[np.ndarray]] = {}
    for node in spec.nodes:
        values = captured.get(node.id)
        if values is None:
            continue
        if len(values) == 1:  # one tensor per output, bound to locals of its own
            k = 1
            while f"{node.id}:{k}" in captured:
                values = values + captured[f"{node.id}:{k}"][:1]
                k += 1
        found[node.id] = [v.numpy() for v in values]
    return found


def _run_traced(module: Any, arrays: list[np.ndarray], code: Any, local_tracer: Any) -> None:
    """Run ``module`` on ``arrays`` with ``local_tracer`` called on each line of ``code``."""
    import torch

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        return local_tracer if frame.f_code is code else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        with torch.no_grad():
            module(*[torch.from_numpy(a) for a in arrays])
    finally:
        sys.settrace(previous)


def _tensors(value: Any) -> list[torch.Tensor] | None:
    """The tensors of a tensor, or of a tuple or list of them; None for anything else."""
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    if (
        isinstance(value, tuple | list)
        and value
        and all(isinstance(v, torch.Tensor) for v in value)
    ):
        return list(value)
    return None


def canonical(
    torch_value: np.ndarray, keras_value: np.ndarray, prefer: str | None = None
) -> tuple[np.ndarray | None, str | None]:
    """The PyTorch tensor in the Keras (spec) layout, and the layout it had: "same",
    "moved" (channels at axis 1), or "ambiguous" when both fit (C == H == W) and
    ``prefer`` (the layout of the node's input) does not decide."""
    same = torch_value.shape == keras_value.shape
    moved = None
    if torch_value.ndim >= 3:
        candidate = np.moveaxis(torch_value, 1, -1)
        if candidate.shape == keras_value.shape:
            moved = candidate
    if same and moved is not None and not np.array_equal(moved, torch_value):
        if prefer in ("same", "moved"):
            return (torch_value if prefer == "same" else moved), prefer
        # Nothing to go by: take the closer one and say so.
        err_same = np.abs(torch_value - keras_value).max()
        err_moved = np.abs(moved - keras_value).max()
        return (torch_value if err_same <= err_moved else moved), "ambiguous"
    if same:
        return torch_value, "same"
    return moved, ("moved" if moved is not None else None)


# --- the report -----------------------------------------------------------------------------


def node_report(
    spec: Model,
    kmodel: keras.Model,
    module: torch.nn.Module,
    arrays: list[np.ndarray],
    inputs_first: bool = False,
) -> NodeReport:
    """Compare every node of ``spec`` between a Keras model and a generated PyTorch module;
    ``inputs_first``: the module takes images channels-first (``channels_first=True``)."""
    kvals = keras_intermediates(kmodel, spec, arrays)
    tvals = torch_intermediates(module, spec, arrays, inputs_first)
    moved = {n for n, a in zip(spec.inputs, arrays) if inputs_first and a.ndim >= 4}
    return compare_intermediates(spec, kvals, tvals, moved)


def compare_intermediates(
    spec: Model,
    kvals: dict[str, list[np.ndarray]],
    tvals: dict[str, list[np.ndarray]],
    moved_inputs: set[str] | None = None,
) -> NodeReport:
    """One row per node: the worst error over all of its outputs (``DIVERGES (output k)``
    names the output beyond tolerance when it is not the first). ``moved_inputs``: inputs
    the module was fed channels-first."""
    from nnspec.spec.checked import infer_types

    types = infer_types(spec)
    report = NodeReport()
    channels_first: dict[str, tuple[int, ...]] = {}  # nodes with channels at axis 1 in torch
    # the module is fed the spec's layout, or images channels-first
    layout: dict[str, str | None] = {
        name: "moved" if name in (moved_inputs or ()) else "same" for name in spec.inputs
    }
    for node in spec.nodes:
        tv = tvals.get(node.id)
        source: str | None = node.id
        while tv is None and source is not None and _inference_identity(spec, source):
            # Identities get no line in forward: their value is their input's.
            inputs = spec.node(source).inputs
            source = inputs[0] if inputs else None
            tv = tvals.get(source) if source is not None else None
        kv = kvals.get(node.id)
        shape = str(types.get(node.id)) if node.id in types else None
        if kv is None or tv is None:
            missing = "no Keras layer" if kv is None else "no PyTorch local"
            report.rows.append(NodeError(node.id, node.op, shape, None, None, missing))
            continue
        if len(kv) != len(tv):
            status = f"outputs differ: keras {len(kv)}, torch {len(tv)}"
            report.rows.append(NodeError(node.id, node.op, shape, None, None, status))
            report.first_divergence = report.first_divergence or node.id
            continue
        feed = (node.inputs or [""])[0]
        worst: float | None = 0.0
        rel: float | None = 0.0
        status = "ok"
        for k, (kv_k, tv_k) in enumerate(zip(kv, tv)):
            t_k, found = canonical(tv_k, kv_k, layout.get(feed.split(":")[0]))
            if k == 0:
                layout[node.id] = found
                if node.op == "flatten" and t_k is not None and feed in channels_first:
                    # A flatten of a channels-first tensor orders elements C, H, W: reorder.
                    t_k = np.moveaxis(t_k.reshape(channels_first[feed]), 1, -1).reshape(t_k.shape)
                if t_k is not None and t_k is not tv_k and t_k.shape != tv_k.shape:
                    channels_first[node.id] = tv_k.shape
            at = f" (output {k})" if k else ""
            if t_k is None:
                status = f"shapes differ{at}: keras {kv_k.shape}, torch {tv_k.shape}"
                worst = rel = None
                break
            diff = np.abs(kv_k.astype(np.float64) - t_k.astype(np.float64))
            err = float(diff.max()) if diff.size else 0.0
            scale = float(np.abs(kv_k).max()) if kv_k.size else 0.0
            if worst is not None and err > worst:
                worst, rel = err, (err / scale if scale else err)
            if err > TOLERANCE * max(1.0, scale) and status == "ok":
                status = "DIVERGES" + at
        if status == "ok" or status.startswith("DIVERGES"):
            status += " (layout ambiguous)" if layout[node.id] == "ambiguous" else ""
        report.rows.append(NodeError(node.id, node.op, shape, worst, rel, status))
        if not status.startswith("ok") and report.first_divergence is None:
            report.first_divergence = node.id
    return report


def _inference_identity(spec: Model, name: str | None) -> bool:
    try:
        return name is not None and type(spec.node(name)).inference_identity
    except KeyError:
        return False


def format_node_report(report: NodeReport) -> str:
    rows = [("node", "op", "output", "max abs err", "max rel err", "status")]

    def num(v: float | None) -> str:
        return "" if v is None else f"{v:.3g}"

    for r in report.rows:
        rows.append((r.node, r.op, r.shape or "", num(r.max_abs), num(r.max_rel), r.status))
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.rjust(w) if k in (3, 4) else c.ljust(w) for k, (c, w) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    ]
    if report.first_divergence:
        lines.append(f"first node beyond tolerance: {report.first_divergence!r}")
    else:
        lines.append("no node beyond tolerance")
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines)


def _generated(module: Any) -> bool:
    """nnspec's generated module (built in memory, or a saved one with renamed nodes)."""
    scope = type(module).forward.__globals__
    return "NODE_IDS" in scope or str(scope.get("__name__", "")).startswith("nnspec_generated_")


def build_report(
    spec: Model, models: list[Any], arrays: list[np.ndarray], channels_first: bool = False
) -> NodeReport:
    """The per-node report for a conversion: the Keras and the PyTorch model among
    ``models`` (source and target); one missing, or a PyTorch source that is not nnspec's
    generated module, is built from the spec. ``channels_first``: the generated module
    among ``models`` takes images NCHW."""
    torch = sys.modules.get("torch")
    is_torch = [torch is not None and isinstance(m, torch.nn.Module) for m in models]
    kmodel = next((m for m, t in zip(models, is_torch) if m is not None and not t), None)
    module = next((m for m, t in zip(models, is_torch) if t and _generated(m)), None)
    notes = []
    if kmodel is None:
        from nnspec.backends.keras import build_model

        kmodel = build_model(spec)
    if module is None:
        from nnspec.backends.torch import build_module

        module, channels_first = build_module(spec), False
        if any(is_torch):
            notes.append(
                "PyTorch side: the module generated from the spec (the source module's "
                "intermediates are not named after nodes); a final mismatch with no node "
                "beyond tolerance lies between the source module and the spec"
            )
    report = node_report(spec, kmodel, module, arrays, channels_first)
    report.notes += notes
    return report


def write_json(report: NodeReport, path: Path) -> None:
    from nnspec.spec.io import atomic_write

    text = report.to_json() + "\n"
    atomic_write(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
