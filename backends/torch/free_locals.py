"""Free each value of the generated ``forward`` after its last use.

A tensor bound to a local stays alive until the local is rebound or deleted. Along a chain the
generator rebinds one name (``x = self.bn(x)``), which frees the old value by itself; a value
held for later (a residual shortcut) keeps a name of its own, and ``free_dead_locals`` adds one
``del a, b`` line after the statement that reads such values for the last time, unless that
statement rebinds them. Each value is so freed at the same statement as when every node had a
local of its own: the generated module runs in the memory of a hand-written one.
"""

from __future__ import annotations

import ast

# their own scopes: a name bound inside (``for t in ...`` of a generator) is not forward's
_SCOPES = (ast.GeneratorExp, ast.ListComp, ast.SetComp, ast.DictComp, ast.Lambda)


def _names(stmt: ast.stmt, ctx: type[ast.expr_context]) -> set[str]:
    """Names ``stmt`` reads (``ast.Load``) or binds (``ast.Store``) in forward's own scope;
    a read inside a comprehension still counts (of a name from forward, if it is one)."""
    found: set[str] = set()
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ctx):
            found.add(node.id)
        if isinstance(node, _SCOPES) and ctx is ast.Store:
            continue
        todo.extend(ast.iter_child_nodes(node))
    return found


def free_dead_locals(lines: list[str], keep: set[str]) -> list[str]:
    """``lines``: the body of ``forward``, one or more lines per statement, the last one the
    ``return``. ``keep``: names never freed (the arguments). Returns the body with ``del``
    lines added."""
    return free_dead_locals_mapped(lines, keep)[0]


def free_dead_locals_mapped(lines: list[str], keep: set[str]) -> tuple[list[str], list[int]]:
    """``free_dead_locals``, and for each entry of ``lines`` the index of its last line in
    the result (for a table of which line binds which node)."""
    tree = ast.parse("\n".join(lines))
    last = len(tree.body) - 1
    bound: dict[str, int] = {}  # name -> statement binding its current value
    read: dict[str, int] = {}  # name -> last statement reading its current value
    dying: dict[int, list[tuple[int, str]]] = {}

    def dies(name: str, rebound_at: int | None) -> None:
        i = read.pop(name, -1)
        # never read: as before, kept; read last by the statement that rebinds it: freed by
        # that; read last by the statement before the return: returning frees every local
        if name not in keep and 0 <= i < last - 1 and i != rebound_at:
            dying.setdefault(i, []).append((bound[name], name))

    for i, stmt in enumerate(tree.body):
        for name in _names(stmt, ast.Load):
            if name in bound:
                read[name] = i
        for name in sorted(_names(stmt, ast.Store)):
            if name in bound:
                dies(name, i)
            bound[name] = i
    for name in list(bound):
        dies(name, None)
    text = "\n".join(lines).split("\n")  # a line of ``lines`` may hold several
    ends, count = [], 0
    for entry in lines:
        count += entry.count("\n") + 1
        ends.append(count - 1)  # its last text line
    moved = [0] * len(text)  # text line -> its index in the result
    out: list[str] = []
    done = 0
    for i, stmt in enumerate(tree.body):
        end = stmt.end_lineno or stmt.lineno
        for k in range(done, end):
            moved[k] = len(out)
            out.append(text[k])  # with any comment lines before the statement
        done = end
        if i in dying:
            out.append("del " + ", ".join(name for _, name in sorted(dying[i])))
    for k in range(done, len(text)):
        moved[k] = len(out)
        out.append(text[k])
    return out, [moved[e] for e in ends]
