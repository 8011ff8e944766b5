"""Convert every keras.applications architecture and print one table.

    python bench/zoo.py                                   # every architecture, default sizes
    python bench/zoo.py --models ResNet50,EfficientNetV2 --size 96
    python bench/zoo.py --size min                        # each at its smallest input side
    python bench/zoo.py --models ResNet50,MobileNetV2 --compile

Each model is built offline (``weights=None``, ``classifier_activation=None`` where the
constructor takes it), every vector weight (batch-norm statistics, scales, biases) is
randomised so errors show, and the model is converted Keras -> spec -> PyTorch and
spec -> Keras. Columns: parameters (Keras; the spec and both rebuilt models must agree),
converted yes/no (the reason when not), max |torch - keras| and |rebuilt keras - keras| on
one random batch against the bound 1e-4 * max(1, max|ref|), and the conversion time
(Keras -> spec, then spec -> PyTorch module with weights). ``--compile`` adds eager and
``torch.compile`` inference time of the converted module (batch 1).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time

from _common import (
    APPS,
    MISSING,
    OUT,
    first_line,
    max_error,
    quiet_tf,
    randomize,
    sample_input,
    select,
    table,
)


def torch_param_count(module) -> int:
    """Trainable parameters plus running statistics: what Keras' count_params() counts."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad) + sum(
        b.numel() for n, b in module.named_buffers() if not n.endswith("num_batches_tracked")
    )


def convert_one(app, size, batch: int, check_keras: bool, compiled: bool) -> dict:
    import keras
    import numpy as np
    import torch

    import nnspec

    row = {"model": app.name}
    try:
        model = app.build(
            None if size == "default" else (app.min_size if size == "min" else int(size))
        )
    except Exception as e:  # noqa: BLE001 - reported in the table
        return {**row, "converted": f"no (Keras cannot build it: {first_line(e)})"}
    # Batch-norm statistics from a calibration batch that includes the checked one: 16
    # images at small sizes, 4 at large ones (enough positions per channel, less work).
    side = min(model.input_shape[1:3])
    randomize(model, sample_input(app, model, max(batch, 16 if side <= 96 else 4)))
    row["input"] = "x".join(str(d) for d in model.input_shape[1:3])
    row["params"] = model.count_params()
    x = sample_input(app, model, batch)
    ref = np.asarray(model(x, training=False))

    t0 = time.perf_counter()
    try:
        spec = nnspec.from_keras(model)
        t1 = time.perf_counter()
        module = nnspec.to_torch(spec)
        t2 = time.perf_counter()
    except Exception as e:  # noqa: BLE001
        return {**row, "converted": f"no ({first_line(e)})"}
    row["to spec s"] = t1 - t0
    row["to torch s"] = t2 - t1
    row["convert s"] = t2 - t0
    with torch.inference_mode():
        got = module(torch.from_numpy(x)).numpy()
    err, bound = max_error(ref, got)
    row["torch err"] = err
    counts = {model.count_params(), spec.count_params(), torch_param_count(module)}
    ok = err <= bound and len(counts) == 1
    why = []
    if err > bound:
        why.append(f"torch error {err:.2g} > {bound:.2g}")
    if len(counts) > 1:
        why.append(
            f"parameter counts differ: keras {model.count_params()}, spec "
            f"{spec.count_params()}, torch {torch_param_count(module)}"
        )
    if compiled:  # before TensorFlow runs again, so its thread pools are quiet
        row.update(compile_times(module, x[:1]))
    if check_keras:
        try:
            rebuilt = nnspec.to_keras(spec)
            kerr, _ = max_error(ref, np.asarray(rebuilt(x, training=False)))
            row["keras err"] = kerr
            if kerr > bound:
                ok, why = False, [*why, f"rebuilt Keras error {kerr:.2g} > {bound:.2g}"]
            if rebuilt.count_params() != model.count_params():
                ok, why = False, [*why, f"rebuilt Keras has {rebuilt.count_params()} params"]
            del rebuilt
        except Exception as e:  # noqa: BLE001
            ok, why = False, [*why, f"spec -> Keras: {first_line(e)}"]
    row["converted"] = "yes" if ok else "no (" + "; ".join(why) + ")"
    del model, spec, module
    keras.backend.clear_session()
    gc.collect()
    return row


def compile_times(module, x) -> dict:
    import torch
    from _common import median_time, torch_runner

    out = {"eager ms": median_time(torch_runner(module, x)) * 1e3}
    try:
        t = time.perf_counter()
        fast = torch.compile(module)
        with torch.inference_mode():
            fast(torch.from_numpy(x))
        out["compile s"] = time.perf_counter() - t
        out["compiled ms"] = median_time(torch_runner(fast, x)) * 1e3
    except Exception as e:  # noqa: BLE001
        out["compiled ms"] = f"failed: {first_line(e, 80)}"
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--models", help=f"comma-separated names or family prefixes (default: all {len(APPS)})"
    )
    p.add_argument(
        "--size",
        default="default",
        help="input side: an integer, 'min' (each architecture's smallest) or "
        "'default' (each architecture's own, e.g. 224)",
    )
    p.add_argument("--batch", type=int, default=1, help="batch for the parity check")
    p.add_argument("--no-keras", action="store_true", help="skip the spec -> Keras check")
    p.add_argument(
        "--compile",
        action="store_true",
        help="also time the converted module eager and under torch.compile",
    )
    p.add_argument("--json", help="also write the rows as JSON to this file")
    args = p.parse_args(argv)
    quiet_tf()
    import torch

    torch.manual_seed(0)
    rows = []
    for app in select(args.models):
        t = time.perf_counter()
        row = convert_one(app, args.size, args.batch, not args.no_keras, args.compile)
        rows.append(row)
        print(
            f"[{time.perf_counter() - t:6.1f}s] {app.name}: {row.get('converted')}",
            file=sys.stderr,
            flush=True,
        )
    columns = [
        "model",
        "input",
        "params",
        "converted",
        "torch err",
        "keras err",
        "to spec s",
        "to torch s",
        "convert s",
    ]
    if args.compile:
        columns += ["eager ms", "compile s", "compiled ms"]
    print(table(rows, columns))
    passed = sum(r.get("converted") == "yes" for r in rows)
    print(f"\n{passed}/{len(rows)} converted with parity (torch: {torch.__version__}).")
    if not args.models:
        print(
            f"Not in this Keras: {', '.join(MISSING[:2])}, ... ({len(MISSING)} RegNet "
            "variants; Keras 3 has no RegNet)."
        )
    if args.json:
        OUT.mkdir(parents=True, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1, default=str)
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
