"""Training-step time: the converted PyTorch module trained by ``nnspec.torch_training``
against the Keras original (``fit``) and a hand-written PyTorch loop over the same module.

    python bench/training.py [--quick] [--models lstm,cnn,...,resnet50] [--batch 32]
                             [--rounds 7] [--steps 4] [--threads N] [--size 224] [--no-keras]
                             [--against GIT_REF,...]

Every route trains the same spec (Adam, categorical crossentropy on softmax outputs, the
models' L2 penalties) on the same batches. "hand-written" is what a person writes without
nnspec: ``torch.optim.Adam`` (PyTorch's default for CPU tensors, its per-tensor loop),
``-log(p)`` picked at the label, and each L2 penalty as a loss term ``l2 * w.square().sum()``,
on the same generated module; "hand-written, no penalties" leaves those terms out (less work
than the spec asks for: shown for reference, not the target's baseline). Each round runs every
route for ``--steps`` steps, in a shuffled order; the table has the median time per step over
the rounds and its ratio to the hand-written loop (target: nnspec's step <= 1.05x), in wall
and in CPU time (the process's, all threads: with ``--threads 1`` the steadier figure on a
loaded machine; Keras runs its own threads). Keras' fit runs in rounds of its own after the
torch routes': a torch route run right after ``fit`` took ~10% more CPU time, in its own
thread (caches left cold), so interleaving it would add that noise to the torch ratios;
``--no-keras`` leaves it out.
``--against main``: the training code as committed on ``main`` runs as one more route in the
same interleaved rounds (before/after in one run). ``--size``: ResNet50's image size (224 by
default; ``--quick``: 64 and fewer rounds).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from _common import REPO, quiet_tf, table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "training"))


def seed_models() -> dict:
    import test_training_parity

    return dict(test_training_parity.MODELS)


def resnet50(size: int):
    import keras

    def build():
        return keras.applications.ResNet50(weights=None, input_shape=(size, size, 3), classes=10)

    return build


def reference_training(ref: str):
    """``torch_training`` of ``backends/torch/training`` as committed at git ``ref``, imported
    under another name beside the working tree's: both versions time in one interleaved run."""
    import atexit
    import importlib.util
    import shutil
    import subprocess
    import tempfile

    folder = "backends/torch/training"
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-tree", "--name-only", f"{ref}:{folder}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    where = Path(tempfile.mkdtemp(prefix="nnspec_training_ref_"))
    atexit.register(shutil.rmtree, where, True)
    for name in (f for f in files if f.endswith(".py")):
        text = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{ref}:{folder}/{name}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (where / name).write_text(text)
    spec = importlib.util.spec_from_file_location(
        "nnspec_training_ref", where / "__init__.py", submodule_search_locations=[str(where)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.torch_training


def routes(
    keras_model,
    batch: int,
    steps: int,
    seed: int = 0,
    keras_fit: bool = True,
    against: dict | None = None,
) -> dict:
    import numpy as np
    import torch

    import nnspec

    keras_model.compile(keras_model.optimizer, "categorical_crossentropy")
    spec = nnspec.from_keras(keras_model)
    classes = keras_model.output_shape[-1]
    rng = np.random.default_rng(seed)
    xs = []
    for s in spec.inputs.values():
        shape = [batch * steps, *s.shape[1:]]
        if s.dtype.startswith("int"):
            xs.append(rng.integers(1, 20, shape).astype(s.dtype))
        else:
            xs.append(rng.normal(size=shape).astype(np.float32))
    labels = rng.integers(0, classes, batch * steps)
    onehot = np.eye(classes, dtype=np.float32)[labels]
    k = nnspec.to_keras(spec)
    ours = nnspec.to_torch(spec)
    setup = nnspec.torch_training(spec, ours)
    plain = nnspec.to_torch(spec).train()
    adam = torch.optim.Adam([p for p in plain.parameters() if p.requires_grad], lr=1e-3, eps=1e-7)
    bare = nnspec.to_torch(spec).train()
    bare_adam = torch.optim.Adam(
        [p for p in bare.parameters() if p.requires_grad], lr=1e-3, eps=1e-7
    )
    # the spec's L2 terms on the hand-written module's weights (the same names in both modules)
    name_of = {id(p): n for n, p in ours.named_parameters()}
    plain_params = dict(plain.named_parameters())
    l2 = [(r.l2, plain_params[name_of[id(p)]]) for r, p in setup.penalties]
    assert all(not r.l1 for r, _ in setup.penalties), "the hand-written loop writes L2 terms only"
    tx = [torch.from_numpy(x) for x in xs]
    ty, tl = torch.from_numpy(onehot), torch.from_numpy(labels)

    def nnspec_step():
        for i in range(steps):
            sl = slice(i * batch, (i + 1) * batch)
            setup.step([x[sl] for x in tx], ty[sl])

    def handwritten():
        for i in range(steps):
            sl = slice(i * batch, (i + 1) * batch)
            adam.zero_grad()
            p = plain(*[x[sl] for x in tx])
            loss = -p.gather(1, tl[sl, None]).clamp_min(1e-7).log().mean()
            for c, w in l2:
                loss = loss + c * w.square().sum()
            loss.backward()
            adam.step()

    def no_penalties():
        for i in range(steps):
            sl = slice(i * batch, (i + 1) * batch)
            bare_adam.zero_grad()
            p = bare(*[x[sl] for x in tx])
            loss = -p.gather(1, tl[sl, None]).clamp_min(1e-7).log().mean()
            loss.backward()
            bare_adam.step()

    def fit():
        k.fit(
            xs[0] if len(xs) == 1 else xs,
            onehot,
            batch_size=batch,
            epochs=1,
            verbose=0,
            shuffle=False,
        )

    def training_route(torch_training):
        setup = torch_training(spec, nnspec.to_torch(spec))

        def run():
            for i in range(steps):
                sl = slice(i * batch, (i + 1) * batch)
                setup.step([x[sl] for x in tx], ty[sl])

        return run

    out = {
        "nnspec torch_training": nnspec_step,
        **{f"nnspec @{ref}": training_route(fn) for ref, fn in (against or {}).items()},
        "hand-written torch": handwritten,
        "hand-written, no penalties": no_penalties,
    }
    if keras_fit:
        out["keras fit"] = fit
    return out


def interleaved(fns: dict, rounds: int, warmup: int = 1) -> dict:
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {n: [] for n in fns}
    order = list(fns)
    for _ in range(rounds):
        random.shuffle(order)
        for n in order:
            t, c = time.perf_counter(), time.process_time()
            fns[n]()
            times[n].append((time.perf_counter() - t, time.process_time() - c))
    return {
        n: tuple(statistics.median(x[k] for x in ts) for k in (0, 1)) for n, ts in times.items()
    }


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--models", default=None)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--rounds", type=int, default=None)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument(
        "--no-keras",
        action="store_true",
        help="torch routes only (Keras' thread pools stay out of the torch timings)",
    )
    p.add_argument(
        "--against",
        default=None,
        help="git refs (comma-separated) whose backends/torch/training also runs, as a route",
    )
    p.add_argument("--size", type=int, default=None, help="ResNet50's image size (default 224)")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch intra-op threads (default: torch's); 1 keeps a loaded machine's figures steady",
    )
    args = p.parse_args(argv)
    quiet_tf()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    import keras

    against = {ref: reference_training(ref) for ref in (args.against or "").split(",") if ref}
    builders = seed_models()
    builders["resnet50"] = resnet50(args.size or (64 if args.quick else 224))
    names = args.models.split(",") if args.models else list(builders)
    rounds = args.rounds or (3 if args.quick else 7)
    rows = []
    for name in names:
        keras.utils.set_random_seed(0)
        model = builders[name]()
        model.compile(keras.optimizers.Adam(1e-3), "categorical_crossentropy")
        fns = routes(model, args.batch, args.steps, keras_fit=not args.no_keras, against=against)
        fit = fns.pop("keras fit", None)
        t = interleaved(fns, rounds)
        if fit is not None:  # rounds of its own: a route right after fit runs slower
            t |= interleaved({"keras fit": fit}, rounds)
        ref, ref_cpu = t["hand-written torch"]
        for route, (seconds, cpu) in t.items():
            per_step = seconds / args.steps
            rows.append(
                {
                    "model": name,
                    "route": route,
                    "ms/step": per_step * 1e3,
                    "steps/s": 1.0 / per_step,
                    "vs hand-written": seconds / ref,
                    "cpu ms/step": cpu / args.steps * 1e3,
                    "cpu vs hand-written": cpu / ref_cpu,
                }
            )
        print(table(rows[-len(t) :]), flush=True)
    print(f"\nbatch {args.batch}, {args.steps} steps per round, median of {rounds} rounds\n")
    print(table(rows))


if __name__ == "__main__":
    main()
