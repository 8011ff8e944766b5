"""In-place operations in a traced graph: carried when the spec can say the same, refused
otherwise.

An in-place op (``relu_``, ``x += 1``, ``F.relu(x, inplace=True)``, ``nn.ReLU(inplace=True)``)
changes a tensor without giving it a new name in the fx graph, so a later use of that tensor
reads the old node. fx would even drop the op when its result is unused. The example run
watches every tensor's version counter (shared by a tensor and its views) to see what each
node changed. When a node changed only its first argument and returned it, the later uses
of that argument are rewired to the node's result: the spec then computes what PyTorch
computes, with an out-of-place op. Anything else (a change through a view to a tensor that is
used later, ``x[...] = v``, ``out=``, a parameter or buffer changed) is refused by name.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from itertools import chain
from typing import Any

import torch
from torch import fx

from nnspec.spec.errors import ConversionError

_HINT = "write the out-of-place form (torch.relu(x), y = y * 2, torch.where) and use its result"


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


def _memory(t: torch.Tensor) -> int:
    """Where a tensor's elements live (0: unknown, as for tensors without storage)."""
    try:
        return t.untyped_storage().data_ptr()
    except (RuntimeError, NotImplementedError):
        return 0


class MutationLog:
    """Filled during the example run: which earlier nodes' tensors each node changed.

    A node can change only the tensors it is given (its inputs, and a module's own
    parameters and buffers); every earlier node whose tensor shares memory with a changed
    one (a view, its base, ``.data``) changed with it. So each node costs its inputs, not
    the whole graph."""

    def __init__(self, gm: fx.GraphModule) -> None:
        self._gm = gm
        self._by_memory: dict[int, list[fx.Node]] = {}  # storage -> nodes whose tensor is there
        self._state_names = {
            _memory(t): name for name, t in chain(gm.named_parameters(), gm.named_buffers())
        }
        self._watched: list[torch.Tensor] = []
        self._versions: list[int] = []
        self.results: dict[fx.Node, object] = {}  # kept alive: no memory reused in the run
        self.changed: dict[fx.Node, list[fx.Node]] = {}
        self.state_changed: dict[fx.Node, list[str]] = {}

    def _inputs_of(self, n: fx.Node) -> list[torch.Tensor]:
        tensors = [t for m in n.all_input_nodes for t in _tensors(self.results.get(m))]
        if n.op == "call_module":
            module = self._gm.get_submodule(str(n.target))  # a call_module target is a path
            tensors += list(module.parameters()) + list(module.buffers())
        return tensors

    def before(self, n: fx.Node) -> None:
        self._watched = self._inputs_of(n)
        self._versions = [t._version for t in self._watched]

    def after(self, n: fx.Node, result: Any) -> None:
        memory = {_memory(t) for t, v in zip(self._watched, self._versions) if t._version != v} - {
            0
        }
        changed = list(dict.fromkeys(m for ptr in memory for m in self._by_memory.get(ptr, [])))
        if changed:
            self.changed[n] = changed
        names = sorted(self._state_names[ptr] for ptr in memory if ptr in self._state_names)
        if names:
            self.state_changed[n] = names
        self.results[n] = result
        for t in _tensors(result):
            self._by_memory.setdefault(_memory(t), []).append(n)


def functionalize(gm: fx.GraphModule, log: MutationLog, describe: Callable[[fx.Node], str]) -> None:
    """Rewire the later uses of every tensor changed in place to the op's result, or raise
    a ConversionError naming each change the spec cannot carry."""
    order = {n: i for i, n in enumerate(gm.graph.nodes)}
    problems: list[str] = []
    for n in gm.graph.nodes:
        what = describe(n)
        if n.kwargs.get("out") is not None and n.op in ("call_function", "call_method"):
            problems.append(f"{what} writes into its out= tensor, which the spec cannot name")
            continue
        if n in log.state_changed:
            names = ", ".join(log.state_changed[n])
            problems.append(
                f"{what} changes the module's parameter or buffer {names} in place; a spec "
                "has no state that persists between calls"
            )
            continue
        changed = log.changed.get(n)
        if not changed:
            continue
        target = n.args[0] if n.args and isinstance(n.args[0], fx.Node) else None
        if n.op == "call_function" and n.target is operator.setitem:
            problems.append(
                f"{what} assigns into a tensor (x[...] = value); the spec has no op for that"
            )
            continue
        if target not in changed or log.results.get(n) is not log.results.get(target):
            names = ", ".join(repr(m.name) for m in changed)
            problems.append(f"{what} changes {names} in place without returning it")
            continue
        later = [
            m.name for m in changed if m is not target and any(order[u] > order[n] for u in m.users)
        ]
        if later:
            problems.append(
                f"{what} changes {target.name!r} in place, and with it "
                f"{', '.join(map(repr, later))} (a tensor it is a view of, or shares memory "
                "with), which is used afterwards; the spec has no in-place update"
            )
            continue
        for user in list(target.users):  # now, so a second in-place op sees this one
            if order[user] > order[n]:
                user.replace_input_with(target, n)
    if problems:
        raise ConversionError(
            f"{len(problems)} in-place operation(s) the spec cannot carry: " + "; ".join(problems),
            hint=_HINT,
        )
