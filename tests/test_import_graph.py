"""The package's import graph, read with ast (nothing is imported): no cycle among the imports
that run when a module is loaded, and no converter importing the driver that calls it.

Module-level imports (at the top, in a class body, under ``if``/``try``) run when the module
loads; imports inside a function run when it is called, so a cycle through them cannot leave
a module half-initialised. ``if TYPE_CHECKING:`` blocks never run. The two are kept as
separate graphs: only the first must be acyclic.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Source folder -> import name, as pyproject's package-dir maps them.
PACKAGES = {
    "nnspec": "nnspec",
    "spec": "nnspec.spec",
    "frontends": "nnspec.frontends",
    "backends": "nnspec.backends",
}
# Converter packages and the module that drives them (and which they must never import).
DRIVERS = {
    "nnspec.frontends.torch.modules": "nnspec.frontends.torch.importer",
    "nnspec.frontends.keras.layers": "nnspec.frontends.keras.importer",
    "nnspec.backends.torch.ops": "nnspec.backends.torch.codegen",
    "nnspec.backends.keras.ops": "nnspec.backends.keras.codegen",
}


def package_modules() -> dict[str, Path]:
    """Import name -> file, for every module of the installed package."""
    found = {}
    for folder, name in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([name, *parts])] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    """Collects (target module, at module level?) for each import statement of one module."""

    def __init__(self, module: str, is_package: bool, known: set[str]) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.depth = 0  # > 0 inside a function
        self.found: list[tuple[str, bool]] = []

    def _add(self, target: str) -> None:
        # the longest known prefix: `import nnspec.spec.ops.conv as c` -> nnspec.spec.ops.conv
        while target and target not in self.known:
            target = target.rpartition(".")[0]
        if target:
            self.found.append((target, self.depth == 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join(base + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        names = [f"{source}.{alias.name}" for alias in node.names]
        for sub in names:  # `from . import conv` imports the module conv
            if sub in self.known:
                self._add(sub)
        if not all(sub in self.known for sub in names):  # names defined in ``source``
            self._add(source)

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for stmt in node.orelse:
                self.visit(stmt)
            return
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function


@cache
def import_graphs() -> tuple[nx.DiGraph, nx.DiGraph]:
    """(module-level imports, function-level imports) between the package's modules."""
    modules = package_modules()
    known = set(modules)
    eager, lazy = nx.DiGraph(), nx.DiGraph()
    eager.add_nodes_from(known)
    lazy.add_nodes_from(known)
    for name, path in modules.items():
        visitor = _Imports(name, path.name == "__init__.py", known)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        for target, module_level in visitor.found:
            if target != name:
                (eager if module_level else lazy).add_edge(name, target)
    return eager, lazy


def _cycles(graph: nx.DiGraph) -> list[list[str]]:
    return [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]


def test_graph_reads_the_package():
    """The reader finds the imports it is meant to check (guards against a reader that
    silently sees nothing)."""
    eager, lazy = import_graphs()
    assert eager.has_edge("nnspec.frontends.torch.importer", "nnspec.frontends.torch.tracing")
    assert eager.has_edge("nnspec.spec.model", "nnspec.spec.names")
    assert lazy.has_edge("nnspec.api", "nnspec.frontends.torch")  # inside from_torch()
    assert not eager.has_edge("nnspec.api", "nnspec.frontends.torch")


def test_no_module_level_import_cycle():
    eager, _ = import_graphs()
    cycles = _cycles(eager)
    assert not cycles, "module-level import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_frontends_have_no_cycle_even_through_functions():
    """Within the frontends even a function-level cycle is a sign that a helper lives in the
    wrong converter module (it did: flatten/reshape, merge/tensor_ops, masking/tensor_ops)."""
    eager, lazy = import_graphs()
    both = nx.compose(eager, lazy)
    frontends = both.subgraph(m for m in both if m.startswith("nnspec.frontends"))
    cycles = _cycles(frontends)
    assert not cycles, "frontend import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_cycle_detection_fails_on_a_cycle(tmp_path):
    """The same reader, on a package whose modules import each other at module level."""
    visitor_a = _Imports("pkg.a", False, {"pkg", "pkg.a", "pkg.b"})
    visitor_a.visit(ast.parse("from .b import f\n"))
    visitor_b = _Imports("pkg.b", False, {"pkg", "pkg.a", "pkg.b"})
    visitor_b.visit(ast.parse("def g():\n    from .a import h\nfrom . import a\n"))
    graph = nx.DiGraph([("pkg.a", t) for t, eager in visitor_a.found if eager])
    graph.add_edges_from(("pkg.b", t) for t, eager in visitor_b.found if eager)
    assert _cycles(graph) == [["pkg.a", "pkg.b"]]
    assert ("pkg.a", False) in visitor_b.found  # the import inside g() is function-level


@pytest.mark.parametrize("package, driver", sorted(DRIVERS.items()), ids=sorted(DRIVERS))
def test_no_converter_imports_its_driver(package, driver):
    """Converters get what they need from their context object; the driver imports them."""
    eager, lazy = import_graphs()
    offenders = sorted(
        m
        for m in eager
        if (m == package or m.startswith(package + "."))
        and (eager.has_edge(m, driver) or lazy.has_edge(m, driver))
    )
    assert not offenders, f"{', '.join(offenders)} import {driver}"


def test_spec_and_command_line_have_no_cycle_even_through_functions():
    """spec/ and nnspec/'s own modules (frontends and backends aside): a function-level cycle
    here was a shared piece in the wrong module (the writer inside spec/io.py, which Model's
    save needed; the GitHub escaping inside cli.py, which diff_format needed)."""
    eager, lazy = import_graphs()
    both = nx.compose(eager, lazy)
    core = both.subgraph(
        m for m in both if not m.startswith(("nnspec.frontends", "nnspec.backends"))
    )
    cycles = _cycles(core)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)
