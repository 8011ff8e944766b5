"""Conversion cost and inference speed: keras.applications models through nnspec to PyTorch.

    python bench/convert.py                       # ResNet50 and MobileNetV2, 224x224
    python bench/convert.py --models ConvNeXtBase,EfficientNetV2L --batches 1   # memory

For each model (``weights=None``, batch-norm statistics randomised) it prints the time to
extract the spec (Keras -> spec), to emit the PyTorch source and build the module (exec,
on the meta device), and to load the weights (``load_state_dict(assign=True)``); the
resident memory before (frameworks imported, Keras model built: the baseline), the peak
while converting (sampled every 2 ms, and ``ru_maxrss``), the weights' size, and the budget
baseline + 2 x weights. Then the median inference time of the converted module and of the
Keras model on the same batch (batch 1 and 32), Keras called through a compiled
``tf.function`` (eager Keras is many times slower and would flatter the comparison), with
the ratio torch / keras side by side. Models are converted one per subprocess so that each
memory figure starts from a clean process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

from _common import (
    APPS,
    keras_graph_fn,
    keras_runner,
    median_time,
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


def measure(name: str, size: int | None, batches: list[int], repeat: int) -> dict:
    """Everything for one model, in this process (run it in a fresh one)."""
    t = time.perf_counter()
    quiet_tf()
    import keras
    import numpy as np
    import tensorflow as tf  # noqa: F401 - imported here so it counts as the framework
    import torch

    from nnspec.backends.torch.codegen import generate
    from nnspec.frontends.keras import from_keras

    imports_s = time.perf_counter() - t
    rss_imports = rss_mb()
    app = APPS[name]
    keras.utils.set_random_seed(0)
    model = app.build(size)
    randomize(model, sample_input(app, model, 8, seed=99))
    weight_mb = sum(np.prod(v.shape) * np.dtype(str(v.dtype)).itemsize
                    for v in model.weights) / 2**20
    baseline = rss_mb()
    ru_before = peak_rss_mb()

    with PeakSampler() as sampler:
        t0 = time.perf_counter()
        spec = from_keras(model)
        t1 = time.perf_counter()
        src = generate(spec)
        t2 = time.perf_counter()
        namespace: dict = {"__name__": "nnspec_bench"}
        exec(compile(src.source, "<nnspec bench>", "exec"), namespace)
        with torch.device("meta"):
            module = namespace[src.class_name]()
        t3 = time.perf_counter()
        state = {k: torch.from_numpy(v if v.flags.writeable else v.copy())
                 for k, v in src.state_dict.items()}
        module.load_state_dict(state, strict=True, assign=True)
        module.eval()
        t4 = time.perf_counter()
    row = {
        "model": name, "params": model.count_params(), "imports s": imports_s,
        "to spec s": t1 - t0, "emit s": t2 - t1, "build s": t3 - t2, "load weights s": t4 - t3,
        "convert s": t4 - t0, "weights MiB": weight_mb, "RSS imports MiB": rss_imports,
        "baseline MiB": baseline, "peak MiB": sampler.peak,
        "ru_maxrss MiB": peak_rss_mb() if peak_rss_mb() > ru_before else float("nan"),
        "budget MiB": baseline + 2 * weight_mb,
    }
    del src, state, namespace
    keras_fn = keras_graph_fn(model)
    for batch in batches:
        x = sample_input(app, model, batch)
        with torch.inference_mode():
            got = module(torch.from_numpy(x)).numpy()
        ref = keras_fn(tf.constant(x)).numpy()
        row[f"err b{batch}"] = float(np.abs(ref - got).max())
        row[f"torch ms b{batch}"] = median_time(torch_runner(module, x), repeat) * 1e3
        row[f"keras ms b{batch}"] = median_time(keras_runner(keras_fn, x), repeat) * 1e3
    return row


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="ResNet50,MobileNetV2")
    p.add_argument("--size", type=int, help="input side (default: the architecture's own)")
    p.add_argument("--batches", default="1,32")
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one model, print JSON
    args = p.parse_args(argv)
    batches = [int(b) for b in args.batches.split(",") if b]
    if args.one:
        print("RESULT " + json.dumps(measure(args.one, args.size, batches, args.repeat)))
        return 0

    rows = []
    for app in select(args.models):
        cmd = [sys.executable, __file__, "--one", app.name, "--batches", args.batches,
               "--repeat", str(args.repeat)] + (["--size", str(args.size)] if args.size else [])
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not lines:
            print(f"{app.name}: failed\n{proc.stderr[-3000:]}", file=sys.stderr)
            continue
        rows.append(json.loads(lines[-1][len("RESULT "):]))
        print(f"[{time.perf_counter() - t:6.1f}s] {app.name}", file=sys.stderr, flush=True)
    if not rows:
        return 1

    print("Conversion (seconds; frameworks already imported)")
    print(table(rows, ["model", "params", "imports s", "to spec s", "emit s", "build s",
                       "load weights s", "convert s"]))
    print("\nMemory (MiB): baseline = frameworks imported + Keras model built")
    print(table(rows, ["model", "weights MiB", "RSS imports MiB", "baseline MiB", "peak MiB",
                       "budget MiB"]))
    speed = []
    for r in rows:
        for b in batches:
            speed.append({"model": r["model"], "batch": b, "max err": r[f"err b{b}"],
                          "torch ms": r[f"torch ms b{b}"], "keras tf.function ms":
                          r[f"keras ms b{b}"],
                          "torch / keras": r[f"torch ms b{b}"] / r[f"keras ms b{b}"]})
    print("\nInference, median of up to {} runs (same batch, channels-last input)"
          .format(args.repeat))
    print(table(speed))
    import platform

    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
