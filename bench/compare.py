"""nnspec against the route users take today: Keras -> ONNX -> onnx2torch, side by side.

    python bench/compare.py                        # the default models, 224x224
    python bench/compare.py --models ResNet50,LSTM --batches 1,32 --repeat 5

Needs the ``bench`` extra (tf2onnx, onnx, onnx2torch; onnxruntime is not needed). This
script installs nothing: without the tools it says what is missing and exits with status 2.
onnx2torch imports torchvision for its NMS and RoIAlign converters only; where torchvision
is absent (its wheels pull a CUDA build of torch), an empty stand-in is put in its place so
that onnx2torch imports, and those two converters raise if a model needs them.

For each model and each route, in a fresh subprocess (so memory figures don't mix): the
model is built offline (``weights=None``, batch-norm statistics randomised, the same values
in every process) and converted: nnspec (Keras -> spec -> PyTorch) or Keras' own ONNX export
(``model.export(format="onnx")``, which runs tf2onnx and its graph optimizer, folding batch
norms) then ``onnx2torch.convert``; ``nnspec-opt`` is nnspec followed by its optimizer passes
(``nnspec optimize``: batch norms folded, activations fused), convolution weights in
channels_last memory format (DESIGN.md). Printed:
pass/fail (max |torch - keras| <= 1e-4 * max(1, max|ref|)) and the error, end-to-end
conversion time, peak resident memory of the process, and the median inference time of
each converted module and of the Keras model (a compiled ``tf.function``) on the same
batches. Besides keras.applications models, small models cover layers the ONNX route is
known to fail on (recurrent layers, masking, grouped convolutions, exact GELU, stride-2
``same`` Conv2DTranspose, GlobalMaxPooling2D).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import types

from _common import (
    APPS,
    first_line,
    keras_graph_fn,
    keras_runner,
    max_error,
    median_time,
    peak_rss_mb,
    quiet_tf,
    randomize,
    table,
    torch_runner,
)

DEFAULT = (
    "ResNet50,MobileNetV2,EfficientNetB0,DenseNet121,InceptionV3,ConvNeXtTiny,"
    "LSTM,GRU,SimpleRNN,MaskedLSTM,Conv2DTranspose,GlobalMaxPool,GELU"
)
TOOLS = ("tf2onnx", "onnx", "onnx2torch")
INSTALL_HINT = (
    "install the bench extra: pip install 'nnspec[bench]' -c constraints.txt\n"
    "(or by hand: pip install onnx tf2onnx --no-deps; pip install onnx2torch --no-deps; "
    "keep torch pinned, and skip torchvision: onnx2torch needs it only for NMS/RoIAlign)"
)


def _small_models() -> dict:
    """Small models for layers the ONNX route is known to trip on: builder(), int input?"""

    def seq(shape, *layers, dtype="float32"):
        import keras

        x = keras.Input(shape, dtype=dtype)
        y = x
        for layer in layers:
            y = layer(y)
        return keras.Model(x, y)

    def lstm():
        from keras import layers

        return seq((20, 8), layers.LSTM(32), layers.Dense(4))

    def gru():
        from keras import layers

        return seq((20, 8), layers.GRU(32), layers.Dense(4))

    def simple_rnn():
        from keras import layers

        return seq((20, 8), layers.SimpleRNN(32), layers.Dense(4))

    def masked_lstm():
        from keras import layers

        return seq(
            (20,),
            layers.Embedding(50, 8, mask_zero=True),
            layers.LSTM(32),
            layers.Dense(4),
            dtype="int32",
        )

    def conv_transpose():
        from keras import layers

        return seq((16, 16, 4), layers.Conv2DTranspose(8, 3, strides=2, padding="same"))

    def global_max_pool():
        from keras import layers

        return seq((16, 16, 4), layers.Conv2D(8, 3), layers.GlobalMaxPooling2D())

    def gelu():
        from keras import layers

        return seq((16,), layers.Dense(32, activation="gelu"), layers.Dense(4))

    return {
        "LSTM": (lstm, False),
        "GRU": (gru, False),
        "SimpleRNN": (simple_rnn, False),
        "MaskedLSTM": (masked_lstm, True),
        "Conv2DTranspose": (conv_transpose, False),
        "GlobalMaxPool": (global_max_pool, False),
        "GELU": (gelu, False),
    }


SMALL = list(_small_models())


def build(name: str, size: int | None):
    import keras

    keras.utils.set_random_seed(0)
    if name in APPS:
        model = APPS[name].build(size)
        preprocessing, ints = APPS[name].preprocessing, False
    else:
        builder, ints = _small_models()[name]
        model, preprocessing = builder(), False
    randomize(model, make_input(model, 8, preprocessing, ints, seed=99))
    return model, preprocessing, ints


def make_input(model, batch: int, preprocessing: bool, ints: bool, seed: int = 1):
    import numpy as np

    rng = np.random.default_rng(seed)
    shape = (batch, *model.input_shape[1:])
    if ints:
        x = rng.integers(1, 50, shape).astype("int32")
        x[:, -5:] = 0  # padded steps: masking matters
        return x
    if preprocessing:
        return rng.uniform(0, 255, shape).astype("float32")
    return rng.normal(0, 1, shape).astype("float32")


def import_onnx2torch():
    """onnx2torch, importable without torchvision (a stand-in for its two detection ops)."""
    try:
        import torchvision  # noqa: F401
    except Exception:  # noqa: BLE001 - absent, or a build that doesn't match this torch
        for key in [k for k in sys.modules if k == "torchvision" or k.startswith("torchvision.")]:
            del sys.modules[key]

        def missing(*args, **kwargs):
            raise NotImplementedError("torchvision is not installed (needed for NMS/RoIAlign)")

        tv, ops = types.ModuleType("torchvision"), types.ModuleType("torchvision.ops")
        ops.nms = ops.roi_align = missing
        tv.ops = ops
        sys.modules.update({"torchvision": tv, "torchvision.ops": ops})
    import onnx2torch

    return onnx2torch


def measure(name: str, route: str, size, batches: list[int], repeat: int) -> dict:
    quiet_tf()
    import numpy as np
    import tensorflow as tf
    import torch

    model, preprocessing, ints = build(name, size)
    xs = {b: make_input(model, b, preprocessing, ints) for b in batches}
    check = make_input(model, 2, preprocessing, ints, seed=7)
    ref = np.asarray(model(check, training=False))
    row = {"model": name, "route": route, "params": model.count_params()}
    rss0 = peak_rss_mb()
    t = time.perf_counter()
    try:
        if route == "nnspec":
            import nnspec

            module = nnspec.to_torch(nnspec.from_keras(model))
        elif route == "nnspec-opt":  # the optimizer passes, as tf2onnx optimises its graph
            import nnspec
            from nnspec.spec.passes import optimize

            module = nnspec.to_torch(optimize(nnspec.from_keras(model)))
            module = module.to(memory_format=torch.channels_last)
        else:
            import onnx

            onnx2torch = import_onnx2torch()
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "model.onnx")
                model.export(path, format="onnx", verbose=False)
                module = onnx2torch.convert(onnx.load(path)).eval()
    except Exception as e:  # noqa: BLE001 - a failed route is a result
        row.update({"ok": "fail", "why": first_line(e, 120), "convert s": time.perf_counter() - t})
        return row
    row["convert s"] = time.perf_counter() - t
    row["peak MiB"] = peak_rss_mb()
    row["peak before MiB"] = rss0
    try:
        with torch.inference_mode():
            got = module(torch.from_numpy(check))
        got = got[0] if isinstance(got, (tuple, list)) else got
        err, bound = max_error(ref, got.numpy())
        row["max err"] = err
        row["ok"] = "pass" if err <= bound else "fail"
        if err > bound:
            row["why"] = f"error {err:.2g} > {bound:.2g}"
    except Exception as e:  # noqa: BLE001
        row.update({"ok": "fail", "why": "runs: " + first_line(e, 110)})
        return row
    for b, x in xs.items():
        try:
            row[f"ms b{b}"] = median_time(torch_runner(module, x), repeat) * 1e3
        except Exception as e:  # noqa: BLE001 (e.g. a batch size baked into the graph)
            row[f"ms b{b}"] = float("nan")
            row.setdefault("why", f"batch {b}: " + first_line(e, 100))
    if route == "nnspec":  # Keras itself, compiled, once per model
        fn = keras_graph_fn(model) if not ints else tf.function(lambda v: model(v, training=False))
        for b, x in xs.items():
            row[f"keras ms b{b}"] = median_time(keras_runner(fn, x), repeat) * 1e3
    return row


def tools_missing() -> list[str]:
    import importlib.util

    return [t for t in TOOLS if importlib.util.find_spec(t) is None]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--models", default=DEFAULT, help=f"keras.applications names and/or {', '.join(SMALL)}"
    )
    p.add_argument("--size", type=int, help="image side (default: the architecture's own)")
    p.add_argument("--batches", default="1,32")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument(
        "--routes",
        default="nnspec,nnspec-opt,onnx",
        help="nnspec: as converted; nnspec-opt: after nnspec's optimizer passes (batch norms "
        "folded, activations fused) with channels_last convolution weights; onnx: Keras' ONNX "
        "export (tf2onnx) + onnx2torch",
    )
    p.add_argument("--json", help="also write the rows as JSON to this file")
    p.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # internal: model route
    args = p.parse_args(argv)
    batches = [int(b) for b in args.batches.split(",") if b]
    if args.one:
        row = measure(*args.one, args.size, batches, args.repeat)
        print("RESULT " + json.dumps(row))
        return 0
    missing = tools_missing()
    if missing:
        print(f"bench/compare.py: missing {', '.join(missing)}; {INSTALL_HINT}", file=sys.stderr)
        return 2
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in APPS and n not in SMALL]
    if unknown:
        sys.exit(f"unknown model(s) {unknown}; known: {', '.join([*APPS, *SMALL])}")
    rows = []
    for name in names:
        for route in args.routes.split(","):
            cmd = [
                sys.executable,
                __file__,
                "--one",
                name,
                route,
                "--batches",
                args.batches,
                "--repeat",
                str(args.repeat),
            ] + (["--size", str(args.size)] if args.size else [])
            t = time.perf_counter()
            proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
            found = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
            if found:
                row = json.loads(found[-1][len("RESULT ") :])
            else:  # the process died (e.g. out of memory): that is the result
                tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                row = {
                    "model": name,
                    "route": route,
                    "ok": "fail",
                    "why": f"process exited {proc.returncode}: {tail[:100]}",
                }
            rows.append(row)
            print(
                f"[{time.perf_counter() - t:6.1f}s] {name} {route}: {row.get('ok')} "
                f"{row.get('why', '')}",
                file=sys.stderr,
                flush=True,
            )
    show = []
    for r in rows:
        out = {
            "model": r["model"],
            "route": r["route"],
            "ok": r.get("ok"),
            "max err": r.get("max err", ""),
            "convert s": r.get("convert s", ""),
            "peak MiB": r.get("peak MiB", ""),
        }
        for b in batches:
            out[f"ms b{b}"] = r.get(f"ms b{b}", "")
            keras_row = next(
                (k for k in rows if k["model"] == r["model"] and f"keras ms b{b}" in k), None
            )
            if keras_row and isinstance(r.get(f"ms b{b}"), float):
                out[f"/ keras b{b}"] = r[f"ms b{b}"] / keras_row[f"keras ms b{b}"]
        out["why"] = r.get("why", "")
        show.append(out)
    for model in dict.fromkeys(r["model"] for r in rows):
        k = next(
            (r for r in rows if r["model"] == model and "keras ms b" + str(batches[0]) in r), None
        )
        if k:
            show.append(
                {
                    "model": model,
                    "route": "keras tf.function",
                    **{f"ms b{b}": k[f"keras ms b{b}"] for b in batches},
                }
            )
    show.sort(key=lambda r: names.index(r["model"]))
    print(table(show))
    summary = {}
    for route in args.routes.split(","):
        rs = [r for r in rows if r["route"] == route]
        times = sorted(r["convert s"] for r in rs if r.get("ok") == "pass")
        summary[route] = (
            sum(r.get("ok") == "pass" for r in rs),
            len(rs),
            times[len(times) // 2] if times else float("nan"),
        )
    for route, (ok, n, med) in summary.items():
        print(f"{route}: {ok}/{n} pass, median conversion {med:.2f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
