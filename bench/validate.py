"""How long ``nnspec validate`` takes on specs of 1,000, 10,000 and 100,000 nodes.

    python bench/validate.py [--sizes 1000,10000,100000] [--repeat 5]

Each spec is a chain of dense and activation nodes with a side branch every 50 nodes
(joined back with ``add`` when the catalog has it, else returned as an extra output). The
command is timed as a subprocess, wall and CPU time including interpreter start-up (the
median of ``--repeat`` runs for specs under 50,000 nodes, one run above); load + validate is
also timed in-process (CPU time). Linear cost shows as a constant time per node ("x time" close to
"x nodes"). On a shared machine, trust the CPU column over the wall one.
"""

from __future__ import annotations

import argparse
import os
import resource
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


def run_timed(argv: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU (user + system) seconds of a subprocess; CPU time barely moves when
    other work shares the machine, wall time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc


def time_cli(path: Path, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``nnspec validate FILE``, start-up included."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu, proc = run_timed([sys.executable, "-m", "nnspec", "validate", str(path)])
        if proc.returncode != 0:
            raise SystemExit(f"validate failed on {path}:\n{proc.stdout}{proc.stderr}")
        walls.append(wall)
        cpus.append(cpu)
    return statistics.median(walls), statistics.median(cpus)


def time_in_process(path: Path, repeat: int) -> float:
    from nnspec._gc import few_gc_passes
    from nnspec.spec.io import load
    from nnspec.spec.validate import validate

    times = []
    for _ in range(repeat):
        with few_gc_passes():  # as `nnspec validate` runs it
            start = time.process_time()  # CPU: this process's own work, whatever else runs
            report = validate(load(path))
            times.append(time.process_time() - start)
        if not report.ok:
            raise SystemExit(f"invalid benchmark spec {path}: {report.errors[0]}")
    return statistics.median(times)


def time_startup(repeat: int) -> tuple[float, float]:
    runs = [run_timed([sys.executable, "-c", "pass"])[:2] for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    startup_wall, startup_cpu = time_startup(args.repeat)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"chain_{n}.yaml"
            path.write_text(spec_text(n), encoding="utf-8")
            repeat = args.repeat if n < 50_000 else 1
            rows.append((n, *time_cli(path, repeat), time_in_process(path, repeat)))
    load_avg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{os.cpu_count()} CPUs, load average {load_avg}; `python -c pass`: "
        f"{startup_wall * 1000:.0f} ms wall, {startup_cpu * 1000:.0f} ms CPU"
    )
    print(
        f"{'nodes':>8} {'cli wall s':>11} {'cli cpu s':>10} {'load+validate cpu s':>20} "
        f"{'us/node':>8} {'x time':>7} {'x nodes':>8}"
    )
    for k, (n, wall, cpu, inproc) in enumerate(rows):
        ratio = f"{inproc / rows[k - 1][3]:.1f}" if k else "-"
        growth = f"{n / rows[k - 1][0]:.0f}" if k else "-"
        print(
            f"{n:>8,} {wall:>11.3f} {cpu:>10.3f} {inproc:>20.3f} {inproc / n * 1e6:>8.1f} "
            f"{ratio:>7} {growth:>8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
