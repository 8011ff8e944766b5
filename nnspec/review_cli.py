"""The review commands of the command line: `diff`, `render` and `fmt`.

Each is (help, add_arguments, run), joined into ``nnspec.cli.COMMANDS``; like the rest of
the CLI, a run function imports what it needs, so none of them loads torch or tensorflow.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial

EXIT_OK, EXIT_DIFFERENT, EXIT_USAGE = 0, 1, 2


# --- diff -----------------------------------------------------------------------------------


def _diff_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", metavar="A", help="the old spec (YAML)")
    p.add_argument("b", metavar="B", help="the new spec (YAML)")
    p.add_argument(
        "--format",
        choices=("text", "markdown", "json", "github"),
        default="text",
        help="text (default), markdown for a pull request, json, or github annotations of B",
    )


def diff(args: argparse.Namespace) -> int:
    from nnspec.diff import DiffUsageError, diff_files
    from nnspec.diff_format import FORMATS

    try:
        d = diff_files(args.a, args.b)
    except DiffUsageError as e:
        print(f"nnspec diff: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    from nnspec.spec.text import printable

    print(printable(FORMATS[args.format](d), keep_newlines=True))  # names may hold escapes
    return EXIT_OK if d.equal and d.valid else EXIT_DIFFERENT


# --- fmt ------------------------------------------------------------------------------------


def _fmt_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="spec files (YAML), rewritten in place")
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; print a diff and exit 1 when a file is not formatted",
    )


def fmt(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nnspec.fmt import format_spec, unified
    from nnspec.spec.errors import SpecError
    from nnspec.spec.io import atomic_write

    status = EXIT_OK
    for file in args.files:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            print(f"{file}: cannot read spec: {getattr(e, 'strerror', None) or e}", file=sys.stderr)
            status = EXIT_DIFFERENT
            continue
        try:
            new = format_spec(text, file)
        except SpecError as e:
            print("\n".join(str(i) for i in e.issues), file=sys.stderr)
            print(f"{file}: not formatted (it does not parse)", file=sys.stderr)
            status = EXIT_DIFFERENT
            continue
        if new == text:
            continue
        status = EXIT_DIFFERENT if args.check else status
        if args.check:
            sys.stdout.write(unified(text, new, file))
        else:
            atomic_write(path, partial(_write_text, text=new))
            print(f"reformatted {file}")
    return status


def _write_text(tmp: str, text: str) -> None:
    from pathlib import Path

    Path(tmp).write_text(text, encoding="utf-8")


FMT_HELP = (
    "rewrite specs in the canonical form `save` writes (comments kept beside their keys, "
    "blank lines dropped); --check prints a diff and exits 1 instead"
)

# --- render ---------------------------------------------------------------------------------

_SUFFIX_FORMAT = {
    ".mmd": "mermaid",
    ".md": "mermaid",
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".png": "png",
}


def _render_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("spec", metavar="SPEC", help="spec file (YAML)")
    p.add_argument(
        "--format",
        choices=("mermaid", "dot", "svg", "png"),
        default=None,
        help="mermaid (renders in GitHub markdown), dot, or svg/png through Graphviz's `dot` "
        "(default: from -o's suffix, else dot)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")


def render(args: argparse.Namespace) -> int:
    from pathlib import Path

    from nnspec.render import GraphvizMissing
    from nnspec.render import render as draw
    from nnspec.spec.io import atomic_write, load

    fmt = args.format or _SUFFIX_FORMAT.get(Path(args.output or "").suffix.lower(), "dot")
    if fmt == "png" and not args.output and sys.stdout.isatty():
        print("nnspec render: error: --format png needs -o FILE (not a terminal)", file=sys.stderr)
        return EXIT_USAGE
    model = load(args.spec, weights=False)
    try:
        data = draw(model, fmt)
    except GraphvizMissing as e:
        print(f"nnspec render: error: {e}", file=sys.stderr)
        return EXIT_DIFFERENT
    if args.output:
        atomic_write(Path(args.output), lambda tmp: Path(tmp).write_bytes(data))
    elif fmt != "png" and sys.stdout.isatty():  # a name's escape sequences must not reach it
        from nnspec.spec.text import printable

        sys.stdout.write(printable(data.decode("utf-8"), keep_newlines=True))
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


RENDER_HELP = (
    "draw a spec: each node's op, key attributes, output shape and parameters; blocks "
    "clustered by name prefix (mermaid, dot, svg, png)"
)

DIFF_HELP = (
    "semantic diff of two specs: nodes added/removed/renamed, attributes, wiring, shapes, "
    "parameters, weights. Exit 0 equal, 1 different (or a spec is invalid), 2 usage error"
)

REVIEW_COMMANDS = {
    "diff": (DIFF_HELP, _diff_arguments, diff),
    "fmt": (FMT_HELP, _fmt_arguments, fmt),
    "render": (RENDER_HELP, _render_arguments, render),
}
