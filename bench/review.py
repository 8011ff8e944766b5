"""How fast the review commands are, start-up included: what a pre-commit hook and a CI job pay.

    python bench/review.py [--repeat 7] [--sizes 1000,10000,100000] [--against PYTHON]

Every row is a subprocess `python -m nnspec ...` (as the hook runs it), timed wall and CPU
(user + system of the child). Commands are interleaved in a shuffled order in every round and
the table gives medians. Specs: the chains of bench/validate.py, written in canonical form
(what `save` and `fmt` write, so `fmt --check` has nothing to report); B of each diff pair is
A with a renamed node, a changed attribute and an inserted node. ResNet50's spec comes from
keras.applications (cached in bench/_out/). The targets are those of issue 16; on a loaded
machine trust the CPU column over the wall one. The growth columns compare each diff with
the one ten times smaller: linear cost shows as "x time" close to "x nodes". The children run
with bytecode caching on (PYTHONDONTWRITEBYTECODE unset), as an installed nnspec does.
``--against PYTHON`` runs every nnspec row a second time with another interpreter (say the
venv of a checkout of main), in the same shuffled rounds, and prints the two side by side:
before and after under the same load, where two separate runs on a shared machine differ.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import run_timed, spec_text  # bench/validate.py

OUT = Path(__file__).resolve().parent / "_out"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mnist_cnn.yaml"


def canonical_chain(n: int, folder: Path) -> Path:
    from nnspec.spec.io import dump_yaml, loads

    path = folder / f"chain_{n}.yaml"
    path.write_text(dump_yaml(loads(spec_text(n))), encoding="utf-8")
    return path


def changed_chain(a: Path) -> Path:
    """A with node n10 renamed, n20's units changed and a dense inserted after n30."""
    from nnspec.spec.io import dump_yaml, load
    from nnspec.spec.ops import op_class

    model = load(a, weights=False)
    for node in model.nodes:
        node.inputs = ["renamed10" if i == "n10" else i for i in node.inputs]
    model.node("n10").name = "renamed10"
    model.node("n20").units = 32
    k = next(i for i, n in enumerate(model.nodes) if n.name == "n30")
    model.nodes.insert(
        k + 1, op_class("dense")(op="dense", name="inserted", units=16, inputs=["n30"])
    )
    for node in model.nodes[k + 2 :]:
        node.inputs = ["inserted" if i == "n30" else i for i in node.inputs]
    path = a.with_name(a.stem + "_b.yaml")
    path.write_text(dump_yaml(model), encoding="utf-8")
    return path


def resnet50_spec() -> Path:
    path = OUT / "resnet50.yaml"
    if not path.exists():
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras

        import nnspec

        OUT.mkdir(parents=True, exist_ok=True)
        nnspec.from_keras(keras.applications.ResNet50(weights=None)).save(path, weights=False)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sizes", default="1000,10000,100000", help="diff sizes (nodes)")
    parser.add_argument(
        "--against", metavar="PYTHON", help="also time each nnspec row with this interpreter"
    )
    args = parser.parse_args(argv)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # children use __pycache__, as installed
    sizes = [int(s) for s in args.sizes.split(",")]
    nnspec = [sys.executable, "-m", "nnspec"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small = folder / "mnist_cnn.yaml"
        from nnspec.fmt import format_spec

        small.write_text(format_spec(EXAMPLE.read_text()), encoding="utf-8")
        k1 = canonical_chain(1000, folder)
        routes: dict[str, tuple[list[str], float | None, int]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], None, 0),
            "validate mnist_cnn": ([*nnspec, "validate", str(small)], 0.2, 0),
            "fmt --check mnist_cnn": ([*nnspec, "fmt", "--check", str(small)], 0.2, 0),
            "validate 1,000 nodes": ([*nnspec, "validate", str(k1)], 0.3, 0),
            "fmt --check 1,000 nodes": ([*nnspec, "fmt", "--check", str(k1)], 0.3, 0),
            "render --format dot ResNet50": (
                [
                    *nnspec,
                    "render",
                    str(resnet50_spec()),
                    "--format",
                    "dot",
                    "-o",
                    str(folder / "r.dot"),
                ],
                1.0,
                0,
            ),
        }
        diffs = []
        for n in sizes:
            a = k1 if n == 1000 else canonical_chain(n, folder)
            b = changed_chain(a)
            name = f"diff {n:,} nodes"
            diffs.append((name, n))
            routes[name] = ([*nnspec, "diff", str(a), str(b)], 1.0 if n == 10_000 else None, 1)
        ours = list(routes)
        if args.against:
            for name in ours[1:]:  # every row but `python -c pass`
                argv_, _, expected = routes[name]
                routes[f"{name} (against)"] = ([args.against, *argv_[1:]], None, expected)
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in routes}
        here = os.getcwd()
        os.chdir(folder)  # `python -m` puts the working folder first on sys.path: not a checkout
        rng = random.Random(0)
        for round_ in range(args.repeat):
            order = list(routes)
            rng.shuffle(order)
            for name in order:
                argv_, _, expected = routes[name]
                if name.startswith("diff 100,000") and round_ >= 3:
                    continue  # three runs of the big one are enough
                wall, cpu, proc = run_timed(argv_)
                if proc.returncode != expected:
                    raise SystemExit(f"{name}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}")
                times[name].append((wall, cpu))
        os.chdir(here)
    med = {
        k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
        for k, v in times.items()
    }
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average {load}; medians of {args.repeat} shuffled rounds")
    print(f"{'command':<30} {'wall s':>7} {'cpu s':>7} {'target s':>9}  {'met (wall / cpu)':<16}")
    for name in ours:
        wall, cpu = med[name]
        target = routes[name][1]
        met = (
            f"{'yes' if wall < target else 'no'} / {'yes' if cpu < target else 'no'}"
            if target
            else ""
        )
        print(f"{name:<30} {wall:>7.3f} {cpu:>7.3f} {target or '':>9}  {met:<16}")
    print(f"\n{'diff':<20} {'cpu s':>7} {'minus start-up':>15} {'x time':>7} {'x nodes':>8}")
    startup = med["validate mnist_cnn"][1]  # nnspec's own start-up and a tiny spec
    work = {name: med[name][1] - startup for name, _ in diffs}
    for k, (name, n) in enumerate(diffs):
        prev = diffs[k - 1] if k else None
        ratio = f"{work[name] / work[prev[0]]:.1f}" if prev else "-"
        growth = f"{n / prev[1]:.0f}" if prev else "-"
        print(f"{name:<20} {med[name][1]:>7.3f} {work[name]:>15.3f} {ratio:>7} {growth:>8}")
    if args.against:
        print(f"\nagainst {args.against} (same rounds; ratio = this / against)")
        print(
            f"{'command':<30} {'wall s':>7} {'against':>8} {'ratio':>6} {'cpu s':>7} {'against':>8} {'ratio':>6}"
        )
        for name in ours[1:]:
            (wall, cpu), (w0, c0) = med[name], med[f"{name} (against)"]
            print(
                f"{name:<30} {wall:>7.3f} {w0:>8.3f} {wall / w0:>6.2f} "
                f"{cpu:>7.3f} {c0:>8.3f} {cpu / c0:>6.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
