"""spec/names.py: the one namespace every generated name comes from (shorthand node names,
both frontends, the passes, both code generators)."""

from __future__ import annotations

import keyword

import pytest
from test_import_graph import import_graphs

from nnspec.spec.io import from_dict
from nnspec.spec.names import Namespace, identifier

# Every module that makes up names, and so must take them from spec/names.py.
NAMERS = [
    "nnspec.spec.model",
    "nnspec.spec.passes.fuse_activation",
    "nnspec.frontends.keras.importer",
    "nnspec.frontends.torch.spec_builder",
    "nnspec.backends.torch.codegen",
    "nnspec.backends.keras.codegen",
]


def test_free_names_stay_taken_names_get_the_first_free_suffix():
    ns = Namespace(["conv", "conv_1"])
    assert [ns.name("conv"), ns.name("conv"), ns.name("dense")] == ["conv_2", "conv_3", "dense"]
    assert ns.name("dense") == "dense_1"
    assert ns.name("x_") == "x_"
    assert ns.name("x_") == "x_1"  # not x__1
    assert "conv_3" in ns and "conv_4" not in ns


def test_numbered_names_always_carry_a_number():
    ns = Namespace(["dense_2"])
    assert [ns.name("dense", numbered=True) for _ in range(3)] == ["dense_1", "dense_3", "dense_4"]


def test_reserved_later_is_skipped():
    ns = Namespace()
    assert ns.name("a") == "a"
    ns.reserve("a_1")
    assert ns.name("a") == "a_2"


def test_a_key_gives_the_same_name():
    ns = Namespace()
    assert ns.name("x", key=1) == ns.name("other", key=1) == "x"
    assert ns.name("x", key=2) == "x_1"


def test_many_names_are_linear():
    """The search resumes where it stopped: 20000 nodes of one op in well under a second."""
    ns = Namespace()
    names = [ns.name("dense", numbered=True) for _ in range(20000)]
    assert len(set(names)) == 20000 and names[-1] == "dense_20000"


@pytest.mark.parametrize(
    "text, expected",
    [("conv-1", "conv_1"), ("class", "class_1"), ("1x1", "_1x1"), ("__init__", "_init__")],
)
def test_identifiers(text, expected):
    assert identifier(text) == expected
    assert Namespace(identifiers=True).name(text) == expected


def test_identifiers_are_valid_and_unique():
    ns = Namespace(["self"], identifiers=True)
    names = [ns.name(t) for t in ["self", "a b", "a-b", "for", "print", "", "é"]]
    assert len(set(names)) == len(names)
    assert all(n.isidentifier() and not keyword.iskeyword(n) for n in names)


def test_shorthand_names_skip_given_ones():
    model = from_dict(
        {
            "nnspec": 1,
            "inputs": {"dense_1": {"shape": ["batch", 4]}},
            "nodes": [
                {"op": "dense", "units": 3},
                {"op": "dense", "units": 2, "name": "dense_2"},
                {"op": "dense", "units": 2},
            ],
        }
    )
    assert [n.name for n in model.nodes] == ["dense_3", "dense_2", "dense_4"]


@pytest.mark.parametrize("module", NAMERS)
def test_name_makers_use_the_namespace(module):
    eager, lazy = import_graphs()
    assert eager.has_edge(module, "nnspec.spec.names") or lazy.has_edge(module, "nnspec.spec.names")
