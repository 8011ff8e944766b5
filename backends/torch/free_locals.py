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


Names = tuple[set[str], set[str]]  # what a statement reads, what it binds


def free_dead_locals_mapped(
    lines: list[str], keep: set[str], known: dict[int, Names] | None = None
) -> tuple[list[str], list[int]]:
    """``free_dead_locals``, and for each entry of ``lines`` the index of its last line in
    the result (for a table of which line binds which node). ``known``: the names each of
    these entries (one statement each) reads and binds, from the generator; the others are
    parsed."""
    known = known or {}
    units: list[tuple[list[str], Names]] = []  # (text lines, names) per statement
    last_unit: list[int] = []  # entry -> its last unit
    for k, entry in enumerate(lines):
        text = entry.split("\n")
        if k in known:
            units.append((text, known[k]))
        else:
            done = 0
            for stmt in ast.parse(entry).body:
                end = stmt.end_lineno or stmt.lineno
                names = (_names(stmt, ast.Load), _names(stmt, ast.Store))
                units.append((text[done:end], names))
                done = end
            if done < len(text):  # comment lines after its last statement
                units.append((text[done:], (set(), set())))
        last_unit.append(len(units) - 1)
    last = sum(1 for _, (r, s) in units if r or s) - 1  # the return's index among statements
    bound: dict[str, int] = {}  # name -> statement binding its current value
    read: dict[str, int] = {}  # name -> last statement reading its current value
    dying: dict[int, list[tuple[int, str]]] = {}

    def dies(name: str, rebound_at: int | None) -> None:
        i = read.pop(name, -1)
        # never read: as before, kept; read last by the statement that rebinds it: freed by
        # that; read last by the statement before the return: returning frees every local
        if name not in keep and 0 <= i < last - 1 and i != rebound_at:
            dying.setdefault(i, []).append((bound[name], name))

    index: list[int] = []  # unit -> its statement's index (comment units share the next's)
    i = 0
    for _, (reads, stores) in units:
        index.append(i)
        if not (reads or stores):
            continue
        for name in reads:
            if name in bound:
                read[name] = i
        for name in sorted(stores):
            if name in bound:
                dies(name, i)
            bound[name] = i
        i += 1
    for name in list(bound):
        dies(name, None)
    out: list[str] = []
    unit_end: list[int] = []
    for u, (text, (reads, stores)) in enumerate(units):
        out.extend(text)
        unit_end.append(len(out) - 1)
        if (reads or stores) and index[u] in dying:
            out.append("del " + ", ".join(name for _, name in sorted(dying[index[u]])))
    return out, [unit_end[u] for u in last_unit]
