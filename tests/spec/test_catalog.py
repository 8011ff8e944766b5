"""The op table in spec/ops/__init__.py matches the classes each module declares."""

import importlib

from nnspec.spec.ops import OP_MODULES, catalog, op_class


def test_table_matches_declared_classes():
    for module, tags in OP_MODULES.items():
        declared = importlib.import_module(f"nnspec.spec.ops.{module}").OPS
        assert tuple(cls.tag() for cls in declared) == tags, module
    assert len(catalog()) == sum(len(t) for t in OP_MODULES.values())


def test_every_tag_resolves_to_its_class():
    for tag, cls in catalog().items():
        assert op_class(tag) is cls
