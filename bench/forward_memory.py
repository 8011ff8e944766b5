"""Peak memory, forward time, ``forward`` line count and source-generation time of a generated
PyTorch module, for two nnspec checkouts side by side (e.g. before/after a codegen change).

    python bench/forward_memory.py SPEC.yaml --python A=/path/to/python --python B=/other \
        [--batch 32] [--repeat 3]

Each measurement runs in a fresh process (one thread), the variants interleaved in shuffled
order; each variant generates its file with its own Python, and every file runs under this
script's Python (the file imports no nnspec, so nothing else differs). Memory: the peak RSS
during one ``forward`` under ``no_grad`` minus the RSS just before (the module is loaded from
the saved file, so no conversion peak comes first), with glibc's mmap threshold fixed so that
a freed tensor leaves RSS at once (``--default-malloc``: glibc's adaptive one, noisier).
Prints medians and the ratio of each variant to the first.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD_GEN = """
import json, sys, time
import nnspec
from nnspec.backends.torch.codegen import generate
model = nnspec.load(sys.argv[1], weights=False)
model.check()
src = generate(model)  # warm (shapes, initial weights drawn once)
cpu, wall = [], []
for _ in range(int(sys.argv[3])):
    t0, w0 = time.process_time(), time.perf_counter()
    src = generate(model)
    cpu.append(time.process_time() - t0)
    wall.append(time.perf_counter() - w0)
out = __import__("pathlib").Path(sys.argv[2])
(out / "m.py").write_text(src.source)
import numpy as np
np.savez(out / "w.npz", **src.state_dict)
forward = src.source.split("    def forward")[1].split("\\n\\n\\n")[0]
print(json.dumps({"cpu": cpu, "wall": wall, "lines": forward.count("\\n"),
                  "dels": forward.count("del "), "cls": src.class_name}))
"""

CHILD_RUN = """
import json, resource, sys, time, importlib.util
import numpy as np, torch
torch.set_num_threads(1)
d, cls, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = importlib.util.spec_from_file_location("m", d + "/m.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
module = getattr(m, cls)()
w = np.load(d + "/w.npz")
module.load_state_dict({k: torch.from_numpy(w[k]) for k in w.files})
module.eval()
x = torch.randn(batch, 224, 224, 3)
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
before, max_before = rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
with torch.no_grad():
    y = module(x)
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"before": before, "max_before": max_before, "peak": peak, "wall": wall}))
"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("spec", type=Path)
    p.add_argument("--python", action="append", required=True, metavar="NAME=PATH")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--gen-repeat", type=int, default=9)
    p.add_argument("--no-forward", action="store_true", help="generation and lines only")
    p.add_argument("--default-malloc", action="store_true", help="glibc's adaptive threshold")
    args = p.parse_args(argv)
    variants = dict(v.split("=", 1) for v in args.python)
    tmp = Path(tempfile.mkdtemp(prefix="forward_memory_"))
    gen = {}
    for name, py in variants.items():
        d = tmp / name
        d.mkdir()
        out = subprocess.run(
            [py, "-c", CHILD_GEN, str(args.spec.resolve()), str(d), str(args.gen_repeat)],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp,
        ).stdout
        gen[name] = json.loads(out.strip().splitlines()[-1])
    # every block over 64 KiB its own mapping, returned when freed: RSS follows the live
    # tensors, not glibc's adaptive heap (which keeps freed 2-32 MiB blocks resident)
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536"}
    if args.default_malloc:  # what a user sees (varies by a few tensors from run to run)
        env.pop("MALLOC_MMAP_THRESHOLD_")
    runs: dict[str, list[dict]] = {n: [] for n in variants}
    order = [n for n in variants for _ in range(0 if args.no_forward else args.repeat)]
    random.Random(0).shuffle(order)
    for name in order:
        out = subprocess.run(
            [sys.executable, "-c", CHILD_RUN, str(tmp / name), gen[name]["cls"], str(args.batch)],
            capture_output=True,
            text=True,
            check=True,
            cwd=tmp,
            env=env,
        ).stdout
        runs[name].append(json.loads(out.strip().splitlines()[-1]))
    first = next(iter(variants))
    med = statistics.median
    print(f"{args.spec.name}, batch {args.batch}, load average {_load()}")
    head = f"{'variant':10} {'fwd lines':>9} {'dels':>5} {'gen cpu ms':>10} {'gen wall ms':>11}"
    print(head + f" {'peak-before MiB':>15} {'forward s':>9}")
    for name in variants:
        g = gen[name]
        row = f"{name:10} {g['lines']:9d} {g['dels']:5d} {med(g['cpu']) * 1e3:10.1f}"
        row += f" {med(g['wall']) * 1e3:11.1f}"
        r = runs[name]
        if r:
            grow = med([x["peak"] - x["before"] for x in r])
            row += f" {grow:15.0f} {med([x['wall'] for x in r]):9.2f}"
            row += f"   (peak {med([x['peak'] for x in r]):.0f} MiB; max before forward"
            row += f" {med([x['max_before'] for x in r]):.0f})"
        print(row)
    for name in list(variants)[1:]:
        ratio = med(gen[name]["cpu"]) / med(gen[first]["cpu"])
        line = f"{name}/{first}: generation cpu {ratio:.2f}x"
        if runs[name]:
            a = med([x["peak"] - x["before"] for x in runs[first]])
            b = med([x["peak"] - x["before"] for x in runs[name]])
            line += f", forward memory growth {b / a:.3f}x"
        print(line)
    return 0


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    sys.exit(main())
