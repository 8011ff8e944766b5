"""Layout assignment: which tensors of ``forward`` are channels-first, so permutes are few.

The spec is channels-last. PyTorch's spatial layers want channels first. Each converter is
registered with a layout *rule*: given its inputs' types and the layouts they are produced in,
it says which layout it reads each input in and which layout its output has. The pass walks
the graph in topological order and records those choices; the generator then emits a permute
exactly where a consumer reads a tensor in another layout than its producer wrote it (once per
tensor and layout), so a chain of spatial and elementwise ops stays NCHW from end to end.

A tensor of rank < 3 has one layout (channels last). ``FlatCF`` marks a flatten of an NCHW
tensor: its features come in (C, H, W) order; a dense layer reads it by permuting its kernel
rows at conversion time, any other reader gets the permute. ``TF`` marks a sequence of
channels-first frames (N, T, C, H, W): what a time-distributed spatial op reads and writes,
so a chain of them folds time into the batch with no permute per frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nnspec.spec.graph import topological_nodes
from nnspec.spec.node import normalize_axis
from nnspec.spec.types import TensorType

if TYPE_CHECKING:
    from nnspec.spec.model import Model
    from nnspec.spec.node import Node
    from nnspec.spec.validate import Analysis

CL = "channels_last"  # the spec's canonical layout (N, ..., C)
CF = "channels_first"  # (N, C, ...), PyTorch's
TF = "frames_channels_first"  # (N, T, C, ...): channels-first frames of a sequence


@dataclass(frozen=True)
class FlatCF:
    """(N, C * H * W), flattened from NCHW; ``shape`` is the canonical (H, W, C)."""

    shape: tuple[int, ...]


Layout = str | FlatCF


@dataclass(frozen=True)
class Choice:
    """The layout a node reads each input in, and the layout of its outputs."""

    inputs: tuple[Layout, ...]
    output: Layout


Rule = Callable[["Node", list[TensorType], list[Layout]], Choice]


def canonical(node: Node, types: list[TensorType], have: list[Layout]) -> Choice:
    """The default rule: every input and the output in the spec's channels-last layout."""
    return Choice((CL,) * len(types), CL)


def channels_first(node: Node, types: list[TensorType], have: list[Layout]) -> Choice:
    """Spatial ops (conv, pooling, batch norm, padding, resizing): the first input and the
    output NCHW; any further input (a mask, a state) channels-last."""
    return Choice((CF,) + (CL,) * (len(types) - 1), CF)


def elementwise(node: Node, types: list[TensorType], have: list[Layout]) -> Choice:
    """Ops that compute the same thing in any layout: all inputs in one layout (the one most
    of them already have), the output in it too. Inputs of different ranks stay channels-last
    (broadcasting pairs axes from the end)."""
    if len({t.rank for t in types}) != 1:
        return canonical(node, types, have)
    layout = max(dict.fromkeys(have), key=have.count)  # ties: the first input's
    if isinstance(layout, FlatCF) and any(h != layout for h in have):
        layout = CL
    return Choice((layout,) * len(types), layout)


def follow(node: Node, types: list[TensorType], have: list[Layout]) -> Choice:
    """Ops with axes (softmax, concatenation, reductions, global pooling): the first input
    in whatever layout it has (the converter remaps its axes with ``ctx.dim``), the output in
    the same layout; further inputs channels-last."""
    layout = have[0] if have[0] in (CL, CF) else CL
    return Choice((layout,) + (CL,) * (len(types) - 1), layout)


def settle(layout: Layout, t: TensorType) -> Layout:
    """The layout a tensor of this type can have: rank < 3 is always channels-last, frames
    are channels-first from rank 4 (N, T, C, L) on."""
    if isinstance(layout, FlatCF):
        return layout if t.rank == 2 else CL
    if layout == TF:
        return layout if t.rank >= 4 else CL
    return layout if t.rank >= 3 else CL


@dataclass
class Plan:
    reads: dict[str, tuple[Layout, ...]]  # node -> the layout it reads each input in
    have: dict[str, Layout]  # tensor reference -> the layout it is produced in


def assign(
    model: Model,
    a: Analysis,
    rule_for: Callable[[Node], Rule],
    inputs_first: bool = False,
) -> Plan:
    """Layouts for every tensor; ``inputs_first``: image inputs (rank >= 4) come NCHW."""
    shared = {n.shares for n in model.nodes if n.shares is not None}
    have: dict[str, Layout] = {}
    for name in model.inputs:
        have[name] = CF if inputs_first and a.types[name].rank >= 4 else CL
    reads: dict[str, tuple[Layout, ...]] = {}
    for node in topological_nodes(model):
        refs = node.inputs or []
        types = [a.types[r] for r in refs]
        choice = rule_for(node)(node, types, [have[r] for r in refs])
        wanted = tuple(settle(lay, t) for lay, t in zip(choice.inputs, types))
        if node.shares is not None or node.name in shared:
            # One set of weights for every call: a permuted kernel would fit one call only.
            wanted = tuple(CL if isinstance(w, FlatCF) else w for w in wanted)
        reads[node.id] = wanted
        for k, t in enumerate(a.outputs[node.id]):
            have[node.id if k == 0 else f"{node.id}:{k}"] = settle(choice.output, t)
    return Plan(reads, have)


def torch_dim(axis: int, rank: int, layout: Layout) -> int:
    """The PyTorch dim of a canonical (channels-last) ``axis`` in a tensor of ``layout``."""
    axis = normalize_axis(axis, rank)
    first = {CF: 1, TF: 2}.get(layout) if isinstance(layout, str) else None
    if first is None or axis < first:
        return axis
    return first if axis == rank - 1 else axis + 1


def to_first(rank: int, lead: int = 1) -> tuple[int, ...]:
    """Channels from the end to position ``lead`` (1: NCHW; 2: frames (N, T, C, H, W))."""
    return (*range(lead), rank - 1, *range(lead, rank - 1))


def to_last(rank: int, lead: int = 1) -> tuple[int, ...]:
    return (*range(lead), *range(lead + 1, rank), lead)


_LETTERS = {3: ("ncl", "nlc"), 4: ("nchw", "nhwc"), 5: ("ncdhw", "ndhwc")}


def suffix(layout: Layout, rank: int, src: Layout | None = None) -> str:
    """A name suffix saying the layout: ``nchw``, ``nhwc``; ``hwc`` for a flatten of NCHW
    features put back in Keras' order."""
    if isinstance(src, FlatCF):
        return _LETTERS.get(len(src.shape) + 1, ("cf", "cl"))[1][1:]
    if layout == TF or (src == TF and layout == CL):  # frames: (N, T, C, H, W), (N, T, H, W, C)
        first, last = _LETTERS.get(rank - 1, ("cf", "cl"))
        return ("nt" + first[1:]) if layout == TF else ("nt" + last[1:])
    first, last = _LETTERS.get(rank, ("cf", "cl"))
    return first if layout == CF else last


def convert(x: str, src: Layout, dst: Layout, rank: int) -> str:
    """Source turning ``x`` from layout ``src`` into ``dst`` (non-negative dims, so every
    ONNX exporter takes it)."""
    if src == dst:
        return x
    if isinstance(src, FlatCF) and dst == CL:
        *spatial, c = src.shape
        unflat = ", ".join(str(d) for d in (c, *spatial))
        back = ", ".join(str(d) for d in to_last(len(src.shape) + 1))
        return f"{x}.unflatten(1, ({unflat})).permute({back}).flatten(1)"
    if (src, dst) == (CL, CF):
        # A view, no copy: NCHW dims over NHWC memory (PyTorch's channels_last memory
        # format), which every later layer keeps, and which PyTorch's CPU kernels run faster
        # (MobileNetV2 batch 32: 0.57x the time of a contiguous copy; ResNet50: 0.64x, and
        # 0.98x at batch 1; bench/native.py)
        return f"{x}.permute({', '.join(map(str, to_first(rank)))})"
    if (src, dst) == (CF, CL):
        return f"{x}.permute({', '.join(map(str, to_last(rank)))})"
    if (src, dst) == (CL, TF):
        return f"{x}.permute({', '.join(map(str, to_first(rank, 2)))}).contiguous()"
    if (src, dst) == (TF, CL):
        return f"{x}.permute({', '.join(map(str, to_last(rank, 2)))})"
    if {src, dst} == {CF, TF}:  # one permute: by way of channels-last, composed
        to_cl, from_cl = to_last(rank, 1 if src == CF else 2), to_first(rank, 2 if dst == TF else 1)
        return f"{x}.permute({', '.join(str(to_cl[i]) for i in from_cl)}).contiguous()"
    raise ValueError(f"no conversion from {src} to {dst}")
