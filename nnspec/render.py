"""`nnspec render`: the graph of a spec as Mermaid, Graphviz DOT, SVG or PNG.

Each box shows the node's name, op, key attributes, output shape and parameter count. Nodes
whose names share a prefix (``conv2_block1_...``) are drawn inside one cluster, nested by
prefix, so that a ResNet's repeated blocks read as blocks. SVG and PNG come from Graphviz's
``dot`` binary; no framework and no Python graph-drawing package is needed.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nnspec.spec.errors import SpecError
from nnspec.spec.io import node_to_dict
from nnspec.spec.node import RESERVED, Node

if TYPE_CHECKING:
    from nnspec.spec.model import Model

MIN_CLUSTER = 4  # nodes sharing a prefix before it becomes a box of its own
MAX_ATTRS = 3
_SPLIT = re.compile(r"[_/.:-]")
_NOISY = ("_initializer", "_regularizer", "_constraint")

# Fill colours by op family (the first matching prefix wins).
_COLOURS = (
    ("conv", "#dbe9f6"),
    ("separable", "#dbe9f6"),
    ("depthwise", "#dbe9f6"),
    ("dense", "#e4f2dc"),
    ("lstm", "#f6e3c6"),
    ("gru", "#f6e3c6"),
    ("simple_rnn", "#f6e3c6"),
    ("batch_norm", "#eeeeee"),
    ("layer_norm", "#eeeeee"),
    ("group_norm", "#eeeeee"),
    ("activation", "#fdf3c4"),
    ("relu", "#fdf3c4"),
    ("softmax", "#fdf3c4"),
    ("add", "#f2dcec"),
    ("concatenate", "#f2dcec"),
    ("multiply", "#f2dcec"),
    ("max_pool", "#e0e0f4"),
    ("avg_pool", "#e0e0f4"),
    ("global", "#e0e0f4"),
)


class GraphvizMissing(Exception):
    """The ``dot`` binary is not on PATH."""


@dataclass
class Box:
    id: str
    name: str
    lines: list[str]  # after the name
    colour: str
    clusters: tuple[str, ...]  # outermost first
    kind: str = "node"  # "input", "node"
    output: bool = False


def _value(v: object) -> str:
    if isinstance(v, list) and v and all(isinstance(x, int) for x in v):
        return "x".join(str(x) for x in v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return str(v)


def key_attrs(node: Node) -> str:
    d = node_to_dict(node, None)
    items = [(k, v) for k, v in d.items() if k not in RESERVED and not k.endswith(_NOISY)]
    # `activation: relu`, not `activation: activation=relu`
    text = ", ".join(
        _value(v) if k == node.op else f"{k}={_value(v)}" for k, v in items[:MAX_ATTRS]
    )
    return text + (", ..." if len(items) > MAX_ATTRS else "")


def _colour(op: str) -> str:
    return next((c for prefix, c in _COLOURS if op.startswith(prefix)), "#ffffff")


def clusters_of(names: list[str]) -> dict[str, tuple[str, ...]]:
    """Each name's nested clusters: prefixes (whole ``_``-separated words) shared by at least
    MIN_CLUSTER names; a prefix holding the same names as a longer one is left out."""
    prefixes: dict[str, list[str]] = {}
    for name in names:
        cuts = [m.start() for m in _SPLIT.finditer(name)]
        prefixes[name] = [name[:c] for c in cuts if c > 0]
    counts = Counter(p for ps in prefixes.values() for p in ps)
    out = {}
    for name, ps in prefixes.items():
        kept = [p for p in ps if counts[p] >= MIN_CLUSTER]
        out[name] = tuple(
            p for k, p in enumerate(kept) if k + 1 == len(kept) or counts[p] != counts[kept[k + 1]]
        )
    return out


def boxes(model: Model) -> tuple[list[Box], list[tuple[str, str, str]]]:
    """The boxes (inputs, then nodes) and edges (from id, to id, label) of a valid spec."""
    from nnspec.spec.graph import parse_ref, resolve_ref
    from nnspec.spec.validate import analyse

    analysis = analyse(model, check_weights=False)
    errors = [i for i in analysis.issues if i.severity == "error"]
    if errors:
        raise SpecError(issues=errors)
    outputs = {p[0] if (p := parse_ref(o, analysis.types)) else o for o in model.outputs}
    clusters = clusters_of([n.id for n in model.nodes])
    ids: dict[str, str] = {}
    out = []
    for k, (name, spec) in enumerate(model.inputs.items()):
        ids[name] = f"i{k}"
        shape = "(" + ", ".join("None" if d is None else str(d) for d in spec.shape) + ")"
        out.append(Box(f"i{k}", name, ["input", f"{shape} {spec.dtype}"], "#ffffff", (), "input"))
    for k, node in enumerate(model.nodes):
        ids[node.id] = f"n{k}"
        lines = [node.op + (f": {key_attrs(node)}" if key_attrs(node) else "")]
        lines.append(" ".join(str(t) for t in analysis.outputs.get(node.id, ())))
        params = sum(math.prod(w.shape) for w in analysis.weights.get(node.id, {}).values())
        if params:
            lines.append(f"{params:,} params")
        if node.shares:
            lines.append(f"shares {node.shares}")
        out.append(
            Box(
                f"n{k}",
                node.id,
                lines,
                _colour(node.op),
                clusters[node.id],
                output=node.id in outputs,
            )
        )
    edges = []
    names = set(ids)
    for node in model.nodes:
        for ref in node.inputs or ():
            src, index = resolve_ref(ref, names)
            edges.append((ids[src], ids[node.id], str(index) if index else ""))
    return out, edges


# Nested {cluster: Tree, None: [boxes]}.
Tree = dict[Any, Any]


def _tree(items: list[Box]) -> Tree:
    """Nested {cluster: {...}, None: [boxes]} in first-appearance order."""
    root: Tree = {None: []}
    for box in items:
        level = root
        for c in box.clusters:
            level = level.setdefault(c, {None: []})
        level[None].append(box)
    return root


# --- DOT ------------------------------------------------------------------------------------


def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(model: Model) -> str:
    items, edges = boxes(model)
    lines = [
        f"digraph {_dot_str(model.name)} {{",
        "  rankdir=TB; newrank=true; nodesep=0.25; ranksep=0.3;",
        f"  label={_dot_str(model.name)}; labelloc=t; fontname=Helvetica; fontsize=14;",
        '  node [shape=box, style="rounded,filled", fontname=Helvetica, fontsize=10];',
        '  edge [color="#555555", arrowsize=0.6, fontname=Helvetica, fontsize=9];',
    ]
    counter = iter(range(1 << 30))

    def emit(level: Tree, indent: str) -> None:
        for box in level[None]:
            attrs = [f"label={_dot_str(chr(10).join([box.name, *box.lines]))}"]
            if box.colour != "#ffffff":
                attrs.append(f'fillcolor="{box.colour}"')
            if box.kind == "input":
                attrs.append("shape=ellipse, style=filled")
            if box.output:
                attrs.append("peripheries=2")
            lines.append(f"{indent}{box.id} [{', '.join(attrs)}];")
        for name, sub in level.items():
            if name is None:
                continue
            lines.append(f"{indent}subgraph cluster_{next(counter)} {{")
            lines.append(
                f'{indent}  label={_dot_str(name)}; style="rounded,dashed"; color="#888888"; '
                "fontsize=11;"
            )
            emit(sub, indent + "  ")
            lines.append(f"{indent}}}")

    emit(_tree(items), "  ")
    for src, dst, label in edges:
        lines.append(f"  {src} -> {dst}" + (f" [label={_dot_str(label)}]" if label else "") + ";")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- Mermaid --------------------------------------------------------------------------------


def _mermaid_str(text: str) -> str:
    """Text inside a quoted Mermaid label: entity codes for the characters it parses."""
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(char, code)
    return text


def to_mermaid(model: Model) -> str:
    items, edges = boxes(model)
    lines = ["flowchart TD"]
    counter = iter(range(1 << 30))

    def emit(level: Tree, indent: str) -> None:
        for box in level[None]:
            label = "<br/>".join(
                [f"<b>{_mermaid_str(box.name)}</b>", *map(_mermaid_str, box.lines)]
            )
            left, right = ("([", "])") if box.kind == "input" else ("[", "]")
            lines.append(f'{indent}{box.id}{left}"{label}"{right}')
        for name, sub in level.items():
            if name is None:
                continue
            lines.append(f'{indent}subgraph c{next(counter)}["{_mermaid_str(name)}"]')
            emit(sub, indent + "  ")
            lines.append(f"{indent}end")

    emit(_tree(items), "  ")
    for src, dst, label in edges:
        lines.append(f"  {src} -->" + (f"|{_mermaid_str(label)}|" if label else "") + f" {dst}")
    return "\n".join(lines) + "\n"


# --- Graphviz -------------------------------------------------------------------------------


def run_dot(dot_text: str, fmt: str) -> bytes:
    """``dot -T<fmt>`` on the text; GraphvizMissing without the binary."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizMissing(
            "Graphviz's `dot` is not installed (needed for svg and png): "
            "apt-get install graphviz (or brew install graphviz), or use --format dot or mermaid"
        )
    proc = subprocess.run(
        [exe, f"-T{fmt}"], input=dot_text.encode(), capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dot -T{fmt} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def render(model: Model, fmt: str) -> bytes:
    if fmt == "mermaid":
        return to_mermaid(model).encode()
    dot_text = to_dot(model)
    return dot_text.encode() if fmt == "dot" else run_dot(dot_text, fmt)


FORMATS = ("mermaid", "dot", "svg", "png")
