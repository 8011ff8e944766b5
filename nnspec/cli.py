"""The ``nnspec`` command line.

Each subcommand is two small functions, one adding its arguments and one running it and
returning the exit status, joined in :data:`COMMANDS`. Adding a command is one more pair
and one more entry. Commands that need a framework import it inside their run function,
so ``validate``, ``summary``, ``schema`` and ``optimize`` never load torch or tensorflow.

Exit status: 0 success, 1 an invalid spec (or any other failure), 2 a usage error.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from nnspec._gc import few_gc_passes
from nnspec.github import github_escape
from nnspec.review_cli import REVIEW_COMMANDS
from nnspec.spec.errors import Issue, SpecError
from nnspec.spec.extras import framework_import
from nnspec.spec.text import printable

if TYPE_CHECKING:
    from nnspec.spec.model import Model
    from nnspec.spec.validate import Analysis

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# --- reporting ------------------------------------------------------------------------------


def describe(issue: Issue) -> str:
    """An issue without its file location: ``node 'x' (dense), attribute 'units': ...``."""
    where = []
    if issue.node is not None:
        where.append(f"node {issue.node!r}" + (f" ({issue.op})" if issue.op else ""))
    if issue.attr is not None:
        where.append(f"attribute {issue.attr!r}")
    text = (", ".join(where) + ": " if where else "") + issue.message
    return text + (f" (hint: {issue.hint})" if issue.hint else "")


def internal_error(exc: BaseException, file: str | None = None) -> Issue:
    """An unexpected exception, as one line instead of a traceback."""
    return Issue(
        f"internal error: {type(exc).__name__}: {exc}",
        file=file,
        hint="this is a bug in nnspec; please report it with the spec that caused it",
        kind="InternalError",
    )


def github_annotation(issue: Issue, file: str) -> str:
    """``::error file=...,line=...,col=...,title=...::message``, a GitHub workflow command."""
    props = {
        "file": issue.file or file,
        "line": issue.line,
        "col": issue.column,
        "title": f"nnspec {issue.kind}",
    }
    fields = ",".join(
        f"{k}={github_escape(str(v), prop=True)}" for k, v in props.items() if v is not None
    )
    level = "warning" if issue.severity == "warning" else "error"
    return f"::{level} {fields}::{github_escape(describe(issue))}"


def _print_issues(issues: list[Issue], stream: TextIO | None = None) -> None:
    for issue in issues:
        print(printable(str(issue), keep_newlines=True), file=stream or sys.stdout)


# --- validate -------------------------------------------------------------------------------


def check_file(path: str) -> list[Issue]:
    """Every issue in one spec file and its weights, in node order. Never raises."""
    from nnspec.spec.io import load, load_weights
    from nnspec.spec.validate import validate

    try:
        model = load(path, weights=False)
        issues = []
        if model.weights:
            try:
                model.params = load_weights(model, Path(path).parent)
            except SpecError as e:  # structure and shapes are still worth checking
                issues.extend(e.issues)
        return issues + validate(model).issues
    except SpecError as e:
        return list(e.issues)
    except Exception as e:  # noqa: BLE001 (a bug must not hide the other files' results)
        return [internal_error(e, path)]


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="spec files (YAML)")
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text (default), json, or github workflow annotations",
    )


def _status_line(file: str, issues: list[Issue]) -> str:
    errors = sum(i.severity == "error" for i in issues)
    warnings = len(issues) - errors
    counts = [
        f"{n} {word}{'s' if n != 1 else ''}"
        for n, word in ((errors, "error"), (warnings, "warning"))
        if n
    ]
    return f"{file}: {'invalid' if errors else 'ok'}" + (
        f" ({', '.join(counts)})" if counts else ""
    )


def validate(args: argparse.Namespace) -> int:
    results = [(file, check_file(file)) for file in args.files]
    valid = [not any(i.severity == "error" for i in issues) for _, issues in results]
    if args.format == "json":
        files = [
            {"file": f, "valid": ok, "issues": [i.to_dict() for i in issues]}
            for (f, issues), ok in zip(results, valid)
        ]
        import json

        print(json.dumps({"valid": all(valid), "files": files}, indent=2))
    elif args.format == "github":
        for file, issues in results:
            for issue in issues:
                print(printable(github_annotation(issue, file)))
    else:
        for file, issues in results:
            _print_issues(issues)
            print(printable(_status_line(file, issues)))
    return EXIT_OK if all(valid) else EXIT_INVALID


# --- summary --------------------------------------------------------------------------------


def _summary_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="spec file (YAML)")


def _size(nbytes: int) -> str:
    size = float(nbytes)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            break
        size /= 1024
    return f"{nbytes} B" if unit == "B" else f"{size:.2f} {unit}"


def summary_table(model: Model, analysis: Analysis) -> str:
    """A table like Keras' ``model.summary()``: node, op, output shape, params, inputs."""
    from nnspec.spec.budget import ITEMSIZE

    rows: list[tuple[str, ...]] = [("Node", "Op", "Output shape", "Params", "Inputs")]
    total = nbytes = 0
    for node in model.nodes:
        weights = analysis.weights.get(node.id, {}).values()
        count = sum(math.prod(w.shape) for w in weights)
        total += count
        nbytes += sum(math.prod(w.shape) * ITEMSIZE.get(w.dtype, 4) for w in weights)
        shapes = " ".join(str(t) for t in analysis.outputs.get(node.id, ()))
        rows.append(
            tuple(
                printable(c)
                for c in (node.id, node.op, shapes, f"{count:,}", ", ".join(node.inputs or ()))
            )
        )
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))

    def line(row: tuple[str, ...]) -> str:
        cells = [c.rjust(w) if k == 3 else c.ljust(w) for k, (c, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()

    inputs = ", ".join(f"{k} {analysis.types[k]} {v.dtype}" for k, v in model.inputs.items())
    return "\n".join(
        [
            f'Model: "{printable(model.name)}"',
            f"Inputs: {printable(inputs)}",
            rule,
            line(rows[0]),
            rule,
            *(line(r) for r in rows[1:]),
            rule,
            f"Total params: {total:,} ({_size(nbytes)})",
            f"Outputs: {printable(', '.join(model.outputs))}",
        ]
    )


def summary(args: argparse.Namespace) -> int:
    from nnspec.spec.io import load
    from nnspec.spec.validate import analyse

    model = load(args.file, weights=False)
    analysis = analyse(model, check_weights=False)
    errors = [i for i in analysis.issues if i.severity == "error"]
    if errors:
        _print_issues(errors)
        return EXIT_INVALID
    print(summary_table(model, analysis))
    _print_issues([i for i in analysis.issues if i.severity == "warning"])
    return EXIT_OK


# --- schema ---------------------------------------------------------------------------------


def _schema_arguments(p: argparse.ArgumentParser) -> None:
    pass


def schema(args: argparse.Namespace) -> int:
    from nnspec.spec.gen_schema import render

    sys.stdout.write(render())
    return EXIT_OK


# --- optimize -------------------------------------------------------------------------------


def _pass_list(text: str) -> list[str]:
    from nnspec.spec.passes import PASSES

    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in PASSES]
    if unknown or not names:
        problem = f"unknown pass {unknown[0]!r}" if unknown else "no pass named"
        raise argparse.ArgumentTypeError(f"{problem} (known: {', '.join(PASSES)})")
    return names


def _optimize_arguments(p: argparse.ArgumentParser) -> None:
    from nnspec.spec.passes import DEFAULT_PASSES, PASSES

    p.add_argument("input", metavar="IN", help="spec file (YAML) to optimise")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        required=True,
        help="where to write the optimised spec; weights go beside it as "
        "OUT's name with .safetensors",
    )
    p.add_argument(
        "--passes",
        type=_pass_list,
        default=None,
        metavar="NAME,...",
        help=f"passes to run, in order (default: {','.join(DEFAULT_PASSES)}; "
        f"known: {', '.join(PASSES)})",
    )


def optimize(args: argparse.Namespace) -> int:
    from nnspec.spec.io import load, save
    from nnspec.spec.passes import DEFAULT_PASSES
    from nnspec.spec.passes import optimize as run_passes

    model = load(args.input)
    result = run_passes(model, args.passes)
    out = Path(args.output)
    # Weights are named after OUT, never after IN's file: that one must stay as it was.
    result.weights = out.stem + ".safetensors" if result.params else None
    save(result, out)
    passes = ",".join(args.passes or DEFAULT_PASSES)
    print(printable(f"{out}: {len(model.nodes)} -> {len(result.nodes)} nodes (passes: {passes})"))
    if result.weights:
        print(printable(f"{out.parent / result.weights}: {len(result.params)} weights"))
    return EXIT_OK


# --- convert --------------------------------------------------------------------------------


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(d) for d in text.replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a shape such as 1,3,224,224, got {text!r}"
        ) from None
    if not shape or any(d < 1 for d in shape):
        raise argparse.ArgumentTypeError(f"dimensions must be positive, got {text!r}")
    return shape


def _convert_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "src",
        help="a .keras or .h5 file, a spec .yaml, or model.py:ClassName. A model.py source is "
        "imported and run, as Python runs any script (the only source that runs code): convert "
        "only files you trust",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        help="output folder; files appear there only when the conversion and its parity "
        "check succeed",
    )
    p.add_argument("--force", action="store_true", help="replace existing output files")
    p.add_argument(
        "--to",
        choices=("torch", "keras", "spec"),
        default=None,
        help="target (default: torch for Keras sources, keras for PyTorch ones)",
    )
    p.add_argument("--no-check", action="store_true", help="skip the parity check")
    p.add_argument(
        "--channels-first",
        action="store_true",
        help="--to torch: the module takes and returns images NCHW (default: Keras' NHWC)",
    )
    p.add_argument(
        "--weights", type=Path, help="model.py sources: a .safetensors state dict to load"
    )
    p.add_argument(
        "--input-shape",
        type=_shape,
        action="append",
        default=None,
        help="model.py sources: an input shape, e.g. 1,3,224,224 (once per input)",
    )
    p.add_argument(
        "--input-dtype",
        action="append",
        default=None,
        choices=("float32", "int64", "int32"),
        help="model.py sources: dtype of each input (default float32; int64 for token ids)",
    )
    p.add_argument(
        "--input-layout",
        choices=("channels_first", "channels_last"),
        default="channels_first",
        help="model.py sources: layout of image inputs",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.add_argument(
        "--report",
        action="store_true",
        help="print every node's max abs/rel error between Keras and PyTorch and the first "
        "node beyond tolerance (printed anyway when the outputs disagree)",
    )
    p.add_argument("--report-json", type=Path, metavar="FILE", help="write that report as JSON")


def quiet_tensorflow() -> None:
    """Import TensorFlow with its C++ start-up lines (oneDNN..., absl::InitializeLog...)
    silenced. They are printed while the libraries load, before TF_CPP_MIN_LOG_LEVEL is
    read, so stderr is pointed at /dev/null for the import only; a failed import still
    raises its ImportError with the reason."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # later C++ log lines
    if "tensorflow" in sys.modules or os.environ.get("KERAS_BACKEND", "tensorflow") != (
        "tensorflow"
    ):
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                import tensorflow  # noqa: F401
            except ImportError:
                pass  # the command that needs it says what to install
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def convert(args: argparse.Namespace) -> int:
    from nnspec.convert import Progress, UserTorchModule, format_report
    from nnspec.convert import convert as run

    torch_source = None
    if ".py:" in args.src:
        if not args.input_shape:
            print(
                "nnspec convert: error: a model.py:ClassName source needs --input-shape",
                file=sys.stderr,
            )
            return EXIT_USAGE
        dtypes = args.input_dtype or ["float32"] * len(args.input_shape)
        if len(dtypes) != len(args.input_shape):
            print(
                "nnspec convert: error: give --input-dtype once per --input-shape", file=sys.stderr
            )
            return EXIT_USAGE
        torch_source = UserTorchModule(
            args.src, args.weights, args.input_shape, args.input_layout, dtypes
        )
    target = args.to or ("keras" if torch_source else "torch")
    if target != "spec" or Path(args.src).suffix.lower() in (".keras", ".h5", ".hdf5"):
        quiet_tensorflow()
    result = run(
        args.src,
        args.output,
        to=target,
        check=not args.no_check,
        progress=Progress(not args.quiet),
        torch_source=torch_source,
        force=args.force,
        report=args.report or args.report_json is not None,
        channels_first=args.channels_first,
    )
    print(format_report(result))
    if args.report_json is not None and result.node_report is not None:
        from nnspec.report import write_json

        write_json(result.node_report, args.report_json)
    return EXIT_OK if result.ok and result.written else EXIT_INVALID


COMMANDS: dict[str, Command] = {
    "convert": Command(
        "convert a Keras file, a spec or a PyTorch module; check parity",
        _convert_arguments,
        convert,
    ),
    "validate": Command(
        "check spec files: structure, attributes, shapes, weights", _validate_arguments, validate
    ),
    "summary": Command(
        "print a table of nodes, output shapes and parameter counts", _summary_arguments, summary
    ),
    "schema": Command("print the JSON Schema of the spec", _schema_arguments, schema),
    "optimize": Command(
        "run optimizer passes and write the optimised spec and weights",
        _optimize_arguments,
        optimize,
    ),
}
COMMANDS.update({name: Command(*parts) for name, parts in REVIEW_COMMANDS.items()})


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``only``, the arguments of that command alone (some of them import
    what their help lists: a hook running `validate` should not pay for `optimize`)."""
    parser = argparse.ArgumentParser(
        prog="nnspec", description="A framework-neutral model spec: validate, inspect, optimise."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, command in COMMANDS.items():
        p = sub.add_parser(name, help=command.help, description=command.help)
        if only is None or name == only:
            command.add_arguments(p)
    return parser


def _command_named(argv: list[str]) -> str | None:
    """The subcommand argparse will pick: the first argument, when it names one."""
    return argv[0] if argv and argv[0] in COMMANDS else None


# Imported by pydantic in one place only, create_schema_validator (pydantic/plugin/).
_PLUGIN_LOADER = "pydantic.plugin._loader"


def _no_plugins() -> tuple[()]:
    return ()


@contextmanager
def _no_pydantic_plugin_scan() -> Iterator[None]:
    """Pydantic looks for plugins in the entry points of every installed distribution the
    first time it builds a validator: 20-50 ms, the largest single cost of `nnspec validate`
    on a machine with TensorFlow and torch installed. The command line's own models are no
    business of such plugins; a user's PYDANTIC_DISABLE_PLUGINS setting is kept.

    With plugins disabled, pydantic's loader module still imports importlib.metadata (and
    email with it, 10 ms) only to find none; while the command runs, a loader that finds none
    stands in for it, unless the real one is already imported."""
    key = "PYDANTIC_DISABLE_PLUGINS"
    if key in os.environ:
        yield
        return
    os.environ[key] = "__all__"
    stand_in = None
    if _PLUGIN_LOADER not in sys.modules:
        stand_in = types.ModuleType(_PLUGIN_LOADER)
        stand_in.get_plugins = _no_plugins  # type: ignore[attr-defined]
        sys.modules[_PLUGIN_LOADER] = stand_in
    try:
        yield
    finally:
        os.environ.pop(key, None)
        if stand_in is not None and sys.modules.get(_PLUGIN_LOADER) is stand_in:
            del sys.modules[_PLUGIN_LOADER]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_named(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: usage errors exit 2, --help exits 0
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    try:
        with (
            few_gc_passes(),
            _no_pydantic_plugin_scan(),
            framework_import(f"nnspec {args.command}"),
        ):
            return COMMANDS[args.command].run(args)
    except SpecError as e:
        _print_issues(e.issues, sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        return 130
    except OSError as e:  # a file the command reads or writes: say which, and why
        where = f"{e.filename}: " if e.filename else ""
        print(printable(f"{where}{e.strerror or e}"), file=sys.stderr)
        return EXIT_INVALID
    except Exception as e:  # noqa: BLE001 (one line, never a traceback)
        print(printable(str(internal_error(e)), keep_newlines=True), file=sys.stderr)
        return EXIT_INVALID
