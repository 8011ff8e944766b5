"""Share of annotated functions per source folder: ``python .ci/annotations.py [ROOT]``.

A function counts as annotated when its return and every parameter (``self`` and ``cls``
aside) carry an annotation. ROOT defaults to this checkout; give another checkout (the main
branch) to compare.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

FOLDERS = ("spec", "nnspec", "backends", "frontends")


def annotated(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    a = fn.args
    params = [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, (a.vararg, a.kwarg))]
    if params and params[0].arg in ("self", "cls"):
        params = params[1:]
    return fn.returns is not None and all(p.annotation is not None for p in params)


def count(folder: Path) -> tuple[int, int]:
    """(annotated, all) functions and methods in the folder's Python files."""
    done = total = 0
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                total += 1
                done += annotated(node)
    return done, total


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    print(f"{'folder':<10} {'annotated':>9} {'functions':>9} {'share':>6}")
    for name in FOLDERS:
        done, total = count(root / name)
        print(f"{name:<10} {done:>9} {total:>9} {done / max(total, 1):>6.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
