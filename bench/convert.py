"""Conversion cost and inference speed: keras.applications models through nnspec to PyTorch.

    python bench/convert.py                       # ResNet50 and MobileNetV2, 224x224
    python bench/convert.py --models ConvNeXtBase,EfficientNetV2L --batches 1   # memory
    python bench/convert.py --models ResNet50 --against /path/to/other/venv/bin/python

For each model (``weights=None``, batch-norm statistics randomised) it converts the Keras
model as ``nnspec.to_torch(nnspec.from_keras(model))`` does, once cold (nnspec's one-off
lazy set-up: its total is ``cold s``), then ``--conversions`` (5) times warm, and prints the
median of each warm phase, with the process's CPU time (``cpu s``, ``cold cpu s``: what a
loaded machine's wall-clock figures hide): Keras -> spec, validation (each call of
``analyse``, and how many), emitting the source, the weights' one copy into PyTorch's
layouts, building the module (exec on the meta device) and loading the weights; then ms per
node, with and without the weights' copy (the part that must grow only with the node count). Memory: the resident
set before (frameworks and nnspec imported, Keras model built: the baseline), the peak
during the first conversion (sampled every 2 ms, and ``ru_maxrss``), the weights' size, the
budget baseline + 1 x weights (each weight read once from Keras and handed to the module
without another copy), the peak over the baseline in weight bytes, what the first conversion
added to the resident set by kind (anonymous memory, with the module alive, and file-backed
pages: library code run for the first time), a warm conversion's peak over where it starts
(the module of the one before kept alive and free memory given back, so that it reuses none:
the first conversion's figure less the one-off set-up), the peak of one more conversion's
Python-level allocations (tracemalloc: numpy arrays included, TensorFlow's buffers not), and
how many MiB of the module's state are the generator's arrays themselves. Then the median
inference time of the converted module and of the Keras model on the same batch (batch 1 and
32), Keras called through a compiled ``tf.function`` (eager Keras is many times slower and
would flatter the comparison), with the ratio torch / keras side by side. Models are
converted one per subprocess so that each memory figure starts from a clean process.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc

from _common import (
    APPS,
    keras_graph_fn,
    keras_runner,
    median_times,
    peak_rss_mb,
    quiet_tf,
    randomize,
    rss_mb,
    sample_input,
    select,
    table,
    torch_runner,
)


class PeakSampler:
    """Samples this process's resident memory in a thread; ``peak`` in MiB."""

    def __init__(self, interval: float = 0.002):
        self.interval, self.peak, self._stop = interval, rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


class PhaseClock:
    """Seconds spent inside chosen functions, and how often each ran: the bench wraps
    ``analyse`` (validation) and ``Generator.owned`` (each weight into PyTorch's layout)
    for the length of one conversion, so the phases add up without a profiler's overhead."""

    def __init__(self, targets: dict[str, tuple[object, str]]):
        self.targets = targets
        self.seconds = dict.fromkeys(targets, 0.0)
        self.calls = dict.fromkeys(targets, 0)
        self._saved: dict[str, object] = {}

    def _wrap(self, key: str, fn):
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[key] += time.perf_counter() - t
                self.calls[key] += 1

        return timed

    def __enter__(self):
        for key, (owner, attr) in self.targets.items():
            self._saved[key] = getattr(owner, attr)
            setattr(owner, attr, self._wrap(key, self._saved[key]))
        return self

    def __exit__(self, *exc):
        for key, (owner, attr) in self.targets.items():
            setattr(owner, attr, self._saved[key])


def release_free_memory() -> None:
    """Hand the allocator's free memory back to the system (glibc's ``malloc_trim``), so that
    a conversion measured next takes new pages for what it allocates, as a first one does."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the figure may count reused memory
        pass


def rss_kinds() -> dict[str, float]:
    """Resident MiB by kind: anonymous (heap, arrays) and file-backed (library code and data
    pages, touched the first time code runs: a one-off, not the conversion's data)."""
    kinds = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("RssAnon:", "RssFile:")):
                kinds[line.split(":")[0]] = int(line.split()[1]) / 1024
    return kinds


def convert_once(model) -> tuple[dict, object, object, object]:
    """One conversion as ``nnspec.to_torch(nnspec.from_keras(model))`` runs it, phase by
    phase: ({phase: seconds}, spec, source, module)."""
    from nnspec.backends.torch import build, codegen
    from nnspec.frontends.keras import from_keras
    from nnspec.spec import validate
    from nnspec.spec.budget import check_fits

    try:
        from nnspec._gc import gc_paused as paused
    except ImportError:  # an nnspec from before it (--against): build_module pauses nothing
        paused = contextlib.nullcontext
    clock = PhaseClock({"validate": (validate, "analyse"), "weights": (codegen.Generator, "owned")})
    with clock:
        c0, t0 = time.process_time(), time.perf_counter()
        spec = from_keras(model)
        t1 = time.perf_counter()
        in_spec = clock.seconds["validate"]  # from_keras validates its result
        check_fits(spec)  # what to_torch does first
        with paused():  # then build_module, the garbage collector paused as it does
            src = codegen.generate(spec)
            t2 = time.perf_counter()
            if hasattr(build, "construct"):
                module = build.construct(src)  # exec, on the meta device
                t3 = time.perf_counter()
                build.load_weights(module, src.state_dict)
                module.eval()
            else:  # an nnspec from before build.py's split (--against): both in build s
                module = build.instantiate(src)
                t3 = time.perf_counter()
            t4 = time.perf_counter()
    validating, weights = clock.seconds["validate"], clock.seconds["weights"]
    phases = {
        "to spec s": t1 - t0 - in_spec,  # validation is its own column
        "validate s": validating,
        "validations": clock.calls["validate"],
        "emit s": t2 - t1 - weights - (validating - in_spec),
        "weights s": weights,
        "build s": t3 - t2,
        "load s": t4 - t3,
        "convert s": t4 - t0,
        "cpu s": time.process_time() - c0,  # CPU time of the process: a loaded machine's wall
    }
    return phases, spec, src, module


def measure(
    name: str, size: int | None, batches: list[int], repeat: int, conversions: int = 5
) -> dict:
    """Everything for one model, in this process (run it in a fresh one)."""
    t = time.perf_counter()
    quiet_tf()
    import keras
    import numpy as np
    import tensorflow as tf
    import torch

    import nnspec
    import nnspec.backends.torch.build
    import nnspec.frontends.keras.importer  # its own imports (networkx) are imports too

    # nnspec's own modules (every op and converter), so that the baseline includes them
    from nnspec.backends.torch.registry import supported as torch_supported
    from nnspec.frontends.keras import from_keras
    from nnspec.frontends.keras.registry import supported as keras_supported
    from nnspec.spec.ops import catalog

    catalog(), keras_supported(), torch_supported()
    imports_s = time.perf_counter() - t
    rss_imports = rss_mb()
    app = APPS[name]
    keras.utils.set_random_seed(0)
    model = app.build(size)
    randomize(model)  # statistics random, not calibrated: no training pass to skew memory
    weight_mb = (
        sum(np.prod(v.shape) * np.dtype(str(v.dtype)).itemsize for v in model.weights) / 2**20
    )
    baseline = rss_mb()
    ru_before = peak_rss_mb()
    kinds_before = rss_kinds()

    with PeakSampler() as sampler:
        cold, spec, src, module = convert_once(model)
    kinds_after = rss_kinds()  # the module alive: its weights are in RssAnon
    ru_first = peak_rss_mb()  # the first conversion's, before the later ones can raise it
    weights_shared = (
        sum(  # state-dict bytes the module holds without a copy of its own
            t.untyped_storage().nbytes()
            for k, t in module.state_dict().items()
            if t.data_ptr() == src.state_dict[k].ctypes.data
        )
        / 2**20
    )
    nodes = len(spec.nodes)
    del src, module, spec
    warms = []  # steady state, lazy set-up done: each phase's median over a few conversions
    for _ in range(conversions):  # (one sample swings by a third on a shared VM)
        phases, spec, src, module = convert_once(model)
        del src, module, spec
        warms.append(phases)
    warm = {k: statistics.median(w[k] for w in warms) for k in warms[0]}
    # Python-level allocations (numpy's arrays included) of one more conversion: what it
    # allocates, exactly, whatever the allocator keeps from the earlier ones
    tracemalloc.start()
    convert_once(model)
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    # A warm conversion's peak, over the resident set it starts from, while the module of the
    # one before stays alive and free memory is released (so it cannot reuse any): the first
    # conversion's peak less nnspec's and the frameworks' one-off set-up
    kept = convert_once(model)[3]
    release_free_memory()
    warm_start = rss_mb()
    with PeakSampler() as warm_sampler:
        convert_once(model)
    del kept
    row = {
        "model": name,
        "nodes": nodes,
        "params": model.count_params(),
        "imports s": imports_s,
        **warm,
        "cold s": cold["convert s"],
        "cold cpu s": cold["cpu s"],
        "ms/node": 1e3 * warm["convert s"] / nodes,
        # the rest once the weights' one copy is taken out: what grows with the node count
        "ms/node w/o weights": 1e3 * (warm["convert s"] - warm["weights s"]) / nodes,
        "weights MiB/s": weight_mb / warm["weights s"],
        "weights MiB": weight_mb,
        "RSS imports MiB": rss_imports,
        "baseline MiB": baseline,
        "peak MiB": sampler.peak,
        "ru_maxrss MiB": ru_first if ru_first > ru_before else float("nan"),
        "budget MiB": baseline + weight_mb,
        "over baseline x weights": (sampler.peak - baseline) / weight_mb,
        "warm over x weights": (warm_sampler.peak - warm_start) / weight_mb,
        "anon + MiB": kinds_after["RssAnon"] - kinds_before["RssAnon"],
        "file + MiB": kinds_after["RssFile"] - kinds_before["RssFile"],
        "traced peak MiB": traced_peak,
        "handed over MiB": weights_shared,
    }
    if not batches:  # conversion and memory only
        return row
    # For the numbers, batch-norm statistics calibrated on the checked inputs (a training-
    # mode pass, after the memory figures), then converted again: deep networks with
    # arbitrary statistics blow float32 round-off up in both frameworks alike.
    randomize(model, sample_input(app, model, max(4, min(batches))))
    module = nnspec.to_torch(from_keras(model))
    from nnspec.spec.passes import optimize

    # nnspec optimize (batch norms folded, activations fused), convolution weights in
    # channels_last memory format (DESIGN.md): what a user tuning for speed runs
    fast = nnspec.to_torch(optimize(from_keras(model))).to(memory_format=torch.channels_last)
    keras_fn = keras_graph_fn(model)
    for batch in batches:
        x = sample_input(app, model, batch)  # the first rows are calibration inputs
        with torch.inference_mode():
            got = module(torch.from_numpy(x)).numpy()
            got_fast = fast(torch.from_numpy(x)).numpy()
        ref = keras_fn(tf.constant(x)).numpy()
        row[f"err b{batch}"] = float(np.abs(ref - got).max())
        row[f"err fast b{batch}"] = float(np.abs(ref - got_fast).max())
        times = median_times(
            {
                "torch": torch_runner(module, x),
                "fast": torch_runner(fast, x),
                "keras": keras_runner(keras_fn, x),
            },
            repeat,
        )
        for key, value in times.items():
            row[f"{key} ms b{batch}"] = value * 1e3
    return row


def run_one(python: str, model: str, size: int | None) -> dict | None:
    """``measure`` of one model (conversion only) in a fresh ``python`` process."""
    cmd = [python, __file__, "--one", model, "--batches", ""]
    cmd += ["--size", str(size)] if size else []
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        print(f"{model} ({python}): failed\n{proc.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(lines[-1][len("RESULT ") :])


COMPARED = ("to spec s", "validate s", "validations", "emit s", "weights s", "build s")
COMPARED += (
    "load s",
    "convert s",
    "cpu s",
    "cold s",
    "cold cpu s",
    "ms/node w/o weights",
    "over baseline x weights",
)
COMPARED += ("warm over x weights", "anon + MiB", "file + MiB")


def compare(args) -> int:
    """This nnspec against ``--against``'s, each model converted ``--rounds`` times per
    route in fresh processes, the (model, route) runs of a round in shuffled order:
    medians, and the ratio this / that for every column."""
    routes = {"this": sys.executable, "that": args.against}
    runs: dict[tuple[str, str], list[dict]] = {}
    order = [(a.name, r) for a in select(args.models) for r in routes]
    for k in range(args.rounds):
        random.Random(k).shuffle(order)
        for model, route in order:
            t = time.perf_counter()
            row = run_one(routes[route], model, args.size)
            if row is not None:
                runs.setdefault((model, route), []).append(row)
            print(f"[{time.perf_counter() - t:6.1f}s] {model} {route}", file=sys.stderr, flush=True)
    table_rows = []
    for model in dict.fromkeys(m for m, _ in order):
        got = {r: runs.get((model, r), []) for r in routes}
        if not all(got.values()):
            continue
        for column in COMPARED:
            med = {r: statistics.median(row.get(column, 0.0) for row in got[r]) for r in routes}
            table_rows.append(
                {
                    "model": model,
                    "column": column,
                    "this": med["this"],
                    "that": med["that"],
                    "this / that": med["this"] / med["that"] if med["that"] else float("nan"),
                }
            )
    print(f"this: {routes['this']}  that: {routes['that']}  (medians of {args.rounds} rounds)")
    print(
        "load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    print(table(table_rows))
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="ResNet50,MobileNetV2")
    p.add_argument("--size", type=int, help="input side (default: the architecture's own)")
    p.add_argument("--batches", default="1,32")
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--conversions", type=int, default=5, help="warm conversions timed")
    p.add_argument(
        "--against",
        metavar="PYTHON",
        help="compare conversion with another nnspec: the python of a venv it is installed in",
    )
    p.add_argument("--rounds", type=int, default=3, help="rounds of --against")
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one model, print JSON
    args = p.parse_args(argv)
    batches = [int(b) for b in args.batches.split(",") if b]
    if args.one:
        print(
            "RESULT "
            + json.dumps(measure(args.one, args.size, batches, args.repeat, args.conversions))
        )
        return 0

    if args.against:
        return compare(args)
    rows = []
    for app in select(args.models):
        cmd = [
            sys.executable,
            __file__,
            "--one",
            app.name,
            "--batches",
            args.batches,
            "--repeat",
            str(args.repeat),
            "--conversions",
            str(args.conversions),
        ] + (["--size", str(args.size)] if args.size else [])
        t = time.perf_counter()
        proc = subprocess.run(
            cmd,
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not lines:
            print(f"{app.name}: failed\n{proc.stderr[-3000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(lines[-1][len("RESULT ") :]))
        print(f"[{time.perf_counter() - t:6.1f}s] {app.name}", file=sys.stderr, flush=True)
    if not rows:
        return 1

    print(
        "Conversion (seconds; frameworks and nnspec imported; phases of the second conversion"
        " in the process, cold s = the first, with nnspec's lazy set-up)"
    )
    print(
        table(
            rows,
            [
                "model",
                "nodes",
                "params",
                "imports s",
                "to spec s",
                "validate s",
                "validations",
                "emit s",
                "weights s",
                "build s",
                "load s",
                "convert s",
                "cpu s",
                "cold s",
                "cold cpu s",
                "ms/node",
                "ms/node w/o weights",
                "weights MiB/s",
            ],
        )
    )
    print("\nMemory (MiB): baseline = frameworks imported + Keras model built")
    print(
        table(
            rows,
            [
                "model",
                "weights MiB",
                "RSS imports MiB",
                "baseline MiB",
                "peak MiB",
                "ru_maxrss MiB",
                "budget MiB",
                "over baseline x weights",
                "warm over x weights",
                "anon + MiB",
                "file + MiB",
                "traced peak MiB",
                "handed over MiB",
            ],
        )
    )
    speed = []
    for r in rows:
        for b in batches:
            speed.append(
                {
                    "model": r["model"],
                    "batch": b,
                    "max err": max(r[f"err b{b}"], r[f"err fast b{b}"]),
                    "torch ms": r[f"torch ms b{b}"],
                    "optimised ms": r[f"fast ms b{b}"],
                    "keras tf.function ms": r[f"keras ms b{b}"],
                    "torch / keras": r[f"torch ms b{b}"] / r[f"keras ms b{b}"],
                    "optimised / keras": r[f"fast ms b{b}"] / r[f"keras ms b{b}"],
                }
            )
    print(
        f"\nInference, median of up to {args.repeat} interleaved runs (same batch, channels-last"
        " input); optimised = nnspec optimize + channels_last convolution weights"
    )
    print(table(speed))
    import platform

    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(
        "load average (1, 5, 15 min) at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
