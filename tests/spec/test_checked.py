"""A valid spec is analysed once (spec/checked.py), and a changed one always afresh: the
memo must never hand out the shapes or weights of a spec that is no longer there."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from nnspec.spec import validate
from nnspec.spec.checked import checked_analysis, infer_types, weight_decls
from nnspec.spec.errors import SpecError
from nnspec.spec.model import Model


def _model() -> Model:
    model = Model.model_validate(
        {
            "name": "two_dense",
            "inputs": {"x": {"shape": ["batch", 4]}},
            "nodes": [
                {"op": "dense", "name": "d1", "units": 3},
                {"op": "dense", "name": "d2", "units": 2},
            ],
        }
    )
    rng = np.random.default_rng(0)
    model.params = {
        "d1/kernel": rng.normal(size=(4, 3)).astype("float32"),
        "d1/bias": np.zeros(3, "float32"),
        "d2/kernel": rng.normal(size=(3, 2)).astype("float32"),
        "d2/bias": np.zeros(2, "float32"),
    }
    return model


@pytest.fixture
def analyses(monkeypatch) -> list[bool]:
    """The ``check_weights`` of every call of ``analyse``, in order."""
    calls: list[bool] = []
    real = validate.analyse

    def counting(model, *, check_weights=True):
        calls.append(check_weights)
        return real(model, check_weights=check_weights)

    monkeypatch.setattr(validate, "analyse", counting)
    return calls


def test_a_checked_spec_is_not_analysed_again(analyses):
    model = _model().check()
    weight_decls(model), infer_types(model), model.count_params()
    assert checked_analysis(model) is checked_analysis(model)
    assert analyses == [True]


def test_a_structure_only_analysis_does_not_stand_in_for_a_weight_check(analyses):
    model = _model()
    weight_decls(model)  # check_weights=False
    model.check()
    model.check()
    assert analyses == [False, True]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m: setattr(m.nodes[1], "units", 5), id="attribute"),
        pytest.param(lambda m: m.nodes[1].inputs.append("x"), id="list_in_place"),
        pytest.param(lambda m: m.outputs.append("d1"), id="outputs"),
        pytest.param(lambda m: m.nodes.pop(), id="node_removed"),
        pytest.param(lambda m: setattr(m.inputs["x"], "shape", ["batch", 5]), id="input"),
    ],
)
def test_a_changed_spec_is_analysed_afresh(analyses, change):
    model = _model().check()
    change(model)
    try:
        fresh = checked_analysis(model)
    except SpecError:
        fresh = None  # the change made it invalid: what a fresh analysis says
    assert analyses == [True, True]
    if fresh is not None:
        assert fresh.types == validate.analyse(model).types


def test_a_replaced_weight_is_checked_again():
    model = _model().check()
    model.params = {**model.params, "d2/kernel": np.zeros((4, 2), "float32")}
    with pytest.raises(SpecError, match="shape"):
        checked_analysis(model)


def test_a_weight_reshaped_in_place_is_checked_again():
    model = _model().check()
    model.params["d1/kernel"].shape = (3, 4)
    with pytest.raises(SpecError, match="shape"):
        model.check()


def test_infer_types_hands_out_a_copy():
    model = _model().check()
    infer_types(model).clear()
    assert "d2" in checked_analysis(model).types


def test_the_memo_keeps_no_replaced_weight_alive():
    model = _model().check()
    old = weakref.ref(model.params["d1/kernel"])
    model.params = {k: v.copy() for k, v in model.params.items()}
    gc.collect()
    assert old() is None
