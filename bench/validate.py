"""How long ``nnspec validate`` takes on specs of 1,000, 10,000 and 100,000 nodes.

    python bench/validate.py [--sizes 1000,10000,100000] [--repeat 5]

Each spec is a chain of dense and activation nodes with a side branch every 50 nodes
(joined back with ``add`` when the catalog has it, else returned as an extra output). The
command is timed as a subprocess, wall time including interpreter start-up (the median of
``--repeat`` runs for specs under 50,000 nodes, one run above); load + validate is also
timed in-process. Linear cost shows as a constant time per node.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BRANCH_EVERY = 50


def spec_text(n_nodes: int, units: int = 16) -> str:
    """A valid spec of exactly ``n_nodes`` nodes, written the way a person would."""
    from nnspec.spec.ops import catalog

    merge = "add" in catalog()
    has_activation = "activation" in catalog()
    lines = [
        "nnspec: 1",
        f"name: chain_{n_nodes}",
        "inputs:",
        f"  x: {{shape: [batch, {units}]}}",
        "nodes:",
    ]
    trunk, side_outputs, explicit = "x", [], ""

    def node(text: str) -> str:
        return f"  - {{op: {text}, name: n{len(lines) - 5}"

    while len(lines) - 5 < n_nodes:
        k = len(lines) - 5
        if k % BRANCH_EVERY == BRANCH_EVERY - 1 and (not merge or k + 1 < n_nodes):
            # A side branch off the trunk: joined back by `add`, or returned as an output.
            side = f"n{k}"
            lines.append(node("dense") + f", units: {units}, inputs: [{trunk}]}}")
            if merge:
                lines.append(node("add") + f", inputs: [{side}, {trunk}]}}")
                trunk = f"n{k + 1}"
            else:
                side_outputs.append(side)
                explicit = f", inputs: [{trunk}]"
            continue
        if k % 2 and has_activation:
            lines.append(node("activation") + f", activation: relu{explicit}}}")
        else:
            lines.append(node("dense") + f", units: {units}{explicit}}}")
        # Otherwise implicit: a node reads the line before it.
        trunk, explicit = f"n{k}", ""
    lines.append(f"outputs: [{', '.join([trunk, *side_outputs])}]")
    return "\n".join(lines) + "\n"


def time_cli(path: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "nnspec", "validate", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"validate failed on {path}:\n{proc.stdout}{proc.stderr}")
    return statistics.median(times)


def time_in_process(path: Path, repeat: int) -> float:
    from nnspec.spec.io import load
    from nnspec.spec.validate import validate

    from nnspec.cli import _few_gc_passes

    times = []
    for _ in range(repeat):
        with _few_gc_passes():  # as `nnspec validate` runs it
            start = time.perf_counter()
            report = validate(load(path))
            times.append(time.perf_counter() - start)
        if not report.ok:
            raise SystemExit(f"invalid benchmark spec {path}: {report.errors[0]}")
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    baseline = time_startup(args.repeat)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"chain_{n}.yaml"
            path.write_text(spec_text(n), encoding="utf-8")
            repeat = args.repeat if n < 50_000 else 1
            rows.append((n, time_cli(path, repeat), time_in_process(path, repeat)))
    print(f"python -c pass start-up: {baseline * 1000:.0f} ms (median of {args.repeat})")
    print(
        f"{'nodes':>8} {'cli wall s':>11} {'in-process s':>13} {'us/node':>8} "
        f"{'x time':>7} {'x nodes':>8}"
    )
    for k, (n, cli, inproc) in enumerate(rows):
        ratio = inproc / rows[k - 1][2] if k else 1.0
        growth = n / rows[k - 1][0] if k else 1
        print(
            f"{n:>8,} {cli:>11.3f} {inproc:>13.3f} {inproc / n * 1e6:>8.1f} "
            f"{ratio:>7.1f} {growth:>8.0f}"
        )
    return 0


def time_startup(repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
