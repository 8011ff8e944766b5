"""The op catalog is found from spec/ops/, and the generated tag index matches it."""

from nnspec.spec.gen_index import INDEX_PATH, render
from nnspec.spec.ops import catalog, op_class, op_module_names, tag_index


def test_every_public_module_declares_its_ops():
    index = tag_index()
    assert set(index.values()) == set(op_module_names())
    assert len(catalog()) == len(index)
    for tag, mod in index.items():
        assert catalog()[tag].__module__ == f"nnspec.spec.ops.{mod}"


def test_every_tag_resolves_to_its_class():
    for tag, cls in catalog().items():
        assert op_class(tag) is cls


def test_committed_index_is_up_to_date():
    assert INDEX_PATH.read_text(encoding="utf-8") == render(), (
        "spec/ops/_index.py is stale: run python -m nnspec.spec.gen_index"
    )
