"""Inference speed of the generated PyTorch module against Keras and a hand-written module.

For each model and batch size, every route is timed in interleaved rounds, in a shuffled order
per round (the route right after a TensorFlow call is slowed by its thread pool), and the table
gives medians and ratios:

- keras: the Keras model as a ``tf.function``;
- default: ``nnspec.to_torch(spec)`` (Keras layout at the boundary, NCHW inside);
- channels_first: ``to_torch(spec, channels_first=True)`` fed NCHW images;
- optimized: the module of ``nnspec optimize`` (batch norm folded, identities removed);
- handwritten: a hand-written NCHW module with the Keras weights (ResNet50 in
  resnet_handwritten.py; MobileNetV2, EfficientNetB0, DenseNet121, mnist_cnn, cnn_lstm in
  handwritten.py), fed a contiguous NCHW batch;
- handwritten_nhwc: the same module fed the NHWC batch as ``x.permute(0, 3, 1, 2)``, as a
  person with Keras-layout data calls it (a view: PyTorch's channels_last memory format, as
  the default module runs);
- onnx2torch: Keras -> tf2onnx -> onnx2torch, when both are installed.

``vs hand, same input``: a route fed the NHWC batch (default, optimized, onnx2torch) against
handwritten_nhwc, one fed NCHW (channels_first) against handwritten. Every route's output is
checked against Keras' first (relative error at most 1e-4, or the script stops naming the
route). ``--compile``: every module through ``torch.compile``, the compilation in the
warm-up calls, outside the timed rounds.

Millisecond-scale figures depend on fresh allocations: mnist_cnn at batch 32, the hand-written
module takes 2.5 ms with ``F.relu(x)`` and 1.2 ms with ``F.relu(x, inplace=True)``, which the
generated module writes (a new 1.6 MB activation per call), and setting glibc's
``MALLOC_MMAP_THRESHOLD_`` moves every route to about 2.1 ms. Compare small models within a run.

    python bench/native.py                # every model, batch 1 and 32
    python bench/native.py --quick        # a few minutes: smaller inputs, fewer rounds
    python bench/native.py --models ResNet50 --batches 32 --compile
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from _common import APPS, keras_graph_fn, quiet_tf, randomize, table
from handwritten import HANDWRITTEN

REPO = Path(__file__).resolve().parent.parent
APP_MODELS = ("ResNet50", "MobileNetV2", "EfficientNetB0", "DenseNet121")
SEED_MODELS = ("mnist_cnn", "cnn_lstm", "text_lstm", "sentiment_bilstm")
TOLERANCE = 1e-4  # largest error relative to max(1, max |keras|), as the parity tests allow


def seed_model(name: str):
    """The repository's seed models: the example .keras files, or Keras built from the spec."""
    import keras

    import nnspec

    path = REPO / "examples" / f"{name}.keras"
    if path.exists():
        return keras.saving.load_model(path, safe_mode=True)
    return nnspec.to_keras(nnspec.load(REPO / "examples" / f"{name}.yaml"))


def build(name: str, side: int | None):
    if name in APPS:
        return APPS[name].build(side)
    return seed_model(name)


def make_input(model, batch: int, seed: int = 1):
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = (batch, *(d or 8 for d in model.input_shape[1:]))
    if str(model.inputs[0].dtype).startswith("int"):
        return rng.integers(1, 20, shape).astype(str(model.inputs[0].dtype))
    return rng.normal(0.0, 1.0, shape).astype("float32")


def onnx2torch_module(model, x):
    """Keras -> ONNX (Keras' own export, through tf2onnx) -> onnx2torch, as bench/compare.py
    converts; None when the tools are not installed or a step fails (said on stderr)."""
    import os
    import tempfile

    try:
        import onnx
        import tf2onnx  # noqa: F401  (what model.export uses)
        from compare import import_onnx2torch

        onnx2torch = import_onnx2torch()  # (without torchvision: a stand-in for it)
    except ImportError:
        return None
    try:
        model(x[:1], training=False)  # Keras exports only a model it has called
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.onnx")
            model.export(path, format="onnx", verbose=False)
            return onnx2torch.convert(onnx.load(path)).eval()
    except Exception as e:  # noqa: BLE001 - a route that does not convert is left out
        print(f"onnx2torch route of {model.name}: {type(e).__name__}: {e}"[:200], file=sys.stderr)
        return None


def routes(name: str, model, batch: int, compile_: bool) -> dict:
    """route -> zero-argument callable running one batch."""
    import numpy as np
    import tensorflow as tf
    import torch

    import nnspec
    from nnspec.spec.passes import optimize

    x = make_input(model, batch)
    spec = nnspec.from_keras(model)
    fn = keras_graph_fn(model) if x.dtype == np.float32 else tf.function(model)
    tx = tf.constant(x)
    t = torch.from_numpy(x)
    image = x.ndim == 4
    t_cf = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))) if image else t
    modules = {
        "default": (nnspec.to_torch(spec), t),
        "optimized": (nnspec.to_torch(optimize(spec)), t),
    }
    if image:
        modules["channels_first"] = (nnspec.to_torch(spec, channels_first=True), t_cf)
    if name == "ResNet50":
        from resnet_handwritten import build_handwritten, load_keras_weights

        net = build_handwritten().eval()
        load_keras_weights(net, model)
        modules["handwritten"] = (net, t_cf)
    elif name in HANDWRITTEN:
        modules["handwritten"] = (HANDWRITTEN[name](model), t_cf)
    if image and "handwritten" in modules:
        modules["handwritten_nhwc"] = (modules["handwritten"][0], t.permute(0, 3, 1, 2))
    converted = onnx2torch_module(model, x)
    if converted is not None:
        modules["onnx2torch"] = (converted, t)
    out = {"keras": lambda: fn(tx).numpy()}
    ref = out["keras"]()
    errors = {"keras": 0.0}
    for route, (module, inp) in modules.items():
        if compile_:
            module = torch.compile(module)

        def run(module=module, inp=inp):
            with torch.inference_mode():
                return module(inp)

        try:
            got = run().numpy()
        except Exception as e:  # only the outside tool's module may fail
            if route != "onnx2torch":
                raise
            print(f"onnx2torch route of {name}: {type(e).__name__}: {e}"[:200], file=sys.stderr)
            continue
        if route == "channels_first" and got.ndim == 4:
            got = got.transpose(0, 2, 3, 1)
        # relative to the output's scale: every route must compute what Keras computes
        errors[route] = float(np.abs(got - ref).max() / max(1.0, np.abs(ref).max()))
        if errors[route] > TOLERANCE:  # a route that computes something else is not timed
            sys.exit(f"{name} batch {batch}: {route} differs from Keras by {errors[route]:.2g}")
        out[route] = run
    return out, errors


def interleaved(
    runners: dict, rounds: int, warmup: int, rng: random.Random, sample_s: float = 0.05
) -> dict:
    """Median seconds per call. One sample of a route is as many calls as fill ``sample_s``
    (a sub-millisecond model is timed over many calls, not one, so a scheduler hiccup on a
    shared machine does not decide its median)."""
    calls = {}
    for k, fn in runners.items():
        for _ in range(warmup):
            fn()
        t = time.perf_counter()
        fn()
        calls[k] = max(1, min(1000, int(sample_s / max(time.perf_counter() - t, 1e-6))))
    times = {k: [] for k in runners}
    for _ in range(rounds):
        order = list(runners)
        rng.shuffle(order)
        for k in order:
            t = time.perf_counter()
            for _ in range(calls[k]):
                runners[k]()
            times[k].append((time.perf_counter() - t) / calls[k])
    return {k: statistics.median(v) for k, v in times.items()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--models", help="comma-separated (default: four applications + seed models)")
    p.add_argument("--batches", default="1,32")
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--side", type=int, default=None, help="input side of the applications")
    p.add_argument("--compile", action="store_true", help="torch.compile every module")
    p.add_argument("--threads", type=int, default=None, help="threads of PyTorch and TensorFlow")
    p.add_argument("--quick", action="store_true", help="side 96, batches 1,8, 5 rounds")
    args = p.parse_args(argv)
    quiet_tf()
    import torch

    if args.threads:  # both frameworks alike (a shared machine: OpenMP threads that wait
        # for a busy core slow PyTorch by 10-50x, TensorFlow's pool far less)
        import tensorflow as tf

        torch.set_num_threads(args.threads)
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    if args.quick:
        args.side, args.batches, args.rounds = args.side or 96, "1,8", min(args.rounds, 5)
    names = args.models.split(",") if args.models else [*APP_MODELS, *SEED_MODELS]
    rng = random.Random(0)
    rows: list[dict] = []
    cols = ["model", "batch", "route", "median ms", "vs keras", "vs handwritten"]
    cols += ["vs hand, same input", "vs default", "vs onnx2torch", "max rel err"]
    for name in names:
        model = build(name, args.side)
        randomize(model)
        for batch in (int(b) for b in args.batches.split(",")):
            runners, errors = routes(name, model, batch, args.compile)
            image = len(model.input_shape) == 4
            medians = interleaved(runners, args.rounds, 2, rng)
            for route, s in medians.items():
                row = {"model": name, "batch": batch, "route": route, "median ms": s * 1e3}
                row["max rel err"] = errors[route]
                row["vs keras"] = s / medians["keras"]
                if "handwritten" in medians:
                    row["vs handwritten"] = s / medians["handwritten"]
                nchw = route in ("channels_first", "handwritten") or not image
                same = "handwritten" if nchw else "handwritten_nhwc"
                if same in medians and route != "keras":
                    row["vs hand, same input"] = s / medians[same]
                row["vs default"] = s / medians["default"]
                if "onnx2torch" in medians:
                    row["vs onnx2torch"] = s / medians["onnx2torch"]
                rows.append(row)
            print(table([r for r in rows if r["model"] == name and r["batch"] == batch], cols))
            print(flush=True)
    print(table(rows, cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())
