"""A valid spec is analysed once: ``Model.check()`` (which every frontend runs on its result)
keeps its analysis on the model, and what needs it next (the memory budget, the code
generators, ``count_params``) reuses it while the spec is unchanged, instead of validating
the same graph again: shape inference and a pass over every weight, 0.2 s for a 1,000-node
EfficientNetV2L.

"Unchanged" is checked, never assumed: the memo holds a fingerprint of everything analysis
reads (inputs, outputs, training settings, each node's class and field values, and each
weight's identity, shape and dtype) and is used only when the model still matches it. A
mutated node, a replaced or reshaped weight, an added output: analysed afresh.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import validate
from .errors import Report

if TYPE_CHECKING:
    from .model import Model
    from .node import Weight
    from .types import TensorType
    from .validate import Analysis


@dataclass(frozen=True)
class _Memo:
    fingerprint: tuple[Any, ...]
    weights: dict[str, tuple[weakref.ref[Any], tuple[int, ...], Any]]
    analysis: Analysis
    weights_checked: bool

    def matches(self, model: Model, fingerprint: tuple[Any, ...]) -> bool:
        params = model.params
        if fingerprint != self.fingerprint or params.keys() != self.weights.keys():
            return False
        for k, (ref, shape, dtype) in self.weights.items():
            v = params[k]  # dtypes compared as objects: str(dtype) is 5 us a weight
            if ref() is not v or v.shape != shape or v.dtype != dtype:
                return False
        return True


def fingerprint(model: Model) -> tuple[Any, ...]:
    """What analysis reads of ``model`` apart from the weights, as comparable values (``repr``
    of each node's fields: a list mutated in place shows)."""
    return (
        repr(model.inputs),
        repr(model.outputs),
        repr(model.training),
        tuple(id(note) for note in model.load_notes),
        tuple((type(n), repr(n.__dict__)) for n in model.nodes),
    )


def _weight_refs(model: Model) -> dict[str, tuple[weakref.ref[Any], tuple[int, ...], Any]] | None:
    try:  # weak: a memo must not keep replaced weights alive
        return {k: (weakref.ref(v), tuple(v.shape), v.dtype) for k, v in model.params.items()}
    except TypeError:  # a weight type without weak references: no memo
        return None


def checked_analysis(model: Model, *, check_weights: bool = True) -> Analysis:
    """The analysis of a valid ``model`` (raises SpecError listing every problem), reused
    from the last call while the model is unchanged. ``check_weights=False`` accepts an
    analysis that checked them, not the other way round."""
    memo: _Memo | None = model._analysis
    key = fingerprint(model)
    if (
        memo is not None
        and (memo.weights_checked or not check_weights)
        and memo.matches(model, key)
    ):
        return memo.analysis
    a = validate.analyse(model, check_weights=check_weights)
    Report(a.issues).raise_for_errors()
    refs = _weight_refs(model)
    model._analysis = None if refs is None else _Memo(key, refs, a, check_weights)
    return a


def infer_types(model: Model) -> dict[str, TensorType]:
    """Every tensor's type keyed by reference (``node``, ``node:1``, input names)."""
    return dict(checked_analysis(model, check_weights=False).types)  # a copy: it is shared


def weight_decls(model: Model) -> dict[str, dict[str, Weight]]:
    """Declared weights per node, in spec order (raises SpecError on an invalid spec)."""
    a = checked_analysis(model, check_weights=False)
    return {n.id: dict(a.weights[n.id]) for n in model.nodes}
