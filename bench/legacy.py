"""Legacy reader vs Keras 3: the time to turn a model file into a spec.

    python bench/legacy.py [--repeat 7]

For ResNet50 and a 2-layer LSTM (random weights), tf-keras (Keras 2) writes an HDF5 file in a
subprocess; nnspec's legacy reader converts it once and saves the resulting Keras 3 model as
a ``.keras`` file, the same model in Keras 3's own format. Then, in rounds of one run of each
route in shuffled order, it times

- ``legacy h5``: ``read_keras_file(model.h5)`` (h5py + translated config + Keras 3 layers +
  weights) and ``from_keras``;
- ``keras3 .keras``: ``keras.saving.load_model(model.keras)`` and ``from_keras``;

and prints the medians and their ratio (legacy / keras3; below 1 the legacy reader is faster).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from _common import quiet_tf, table

WRITE = textwrap.dedent(
    """
    import os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tf_keras as K
    out = sys.argv[1]
    K.applications.ResNet50(weights=None).save(os.path.join(out, "resnet50.h5"))
    m = K.Sequential([K.layers.LSTM(128, return_sequences=True, input_shape=(50, 32)),
                      K.layers.LSTM(64), K.layers.Dense(10)], name="lstm2")
    m.save(os.path.join(out, "lstm2.h5"))
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    quiet_tf()
    import keras

    from nnspec.frontends.keras import from_keras, read_keras_file

    tmp = Path(tempfile.mkdtemp(prefix="nnspec-legacy-bench-"))
    subprocess.run([sys.executable, "-c", WRITE, str(tmp)], check=True, capture_output=True)
    rows = []
    for name in ("resnet50", "lstm2"):
        h5, k3 = tmp / f"{name}.h5", tmp / f"{name}.keras"
        read_keras_file(h5)[0].save(k3)

        def legacy(h5=h5):
            return from_keras(read_keras_file(h5)[0])

        def keras3(k3=k3):
            return from_keras(keras.saving.load_model(k3, compile=False, safe_mode=True))

        routes = {"legacy h5": legacy, "keras3 .keras": keras3}
        for fn in routes.values():  # warm-up: imports and first-call caches
            fn()
        times = {r: [] for r in routes}
        for _ in range(args.repeat):
            order = list(routes)
            random.shuffle(order)
            for r in order:
                keras.backend.clear_session()
                t = time.perf_counter()
                routes[r]()
                times[r].append(time.perf_counter() - t)
        med = {r: statistics.median(ts) for r, ts in times.items()}
        rows.append(
            {
                "model": name,
                "h5 MB": os.path.getsize(h5) / 2**20,
                "legacy h5 (s)": med["legacy h5"],
                "keras3 .keras (s)": med["keras3 .keras"],
                "legacy / keras3": med["legacy h5"] / med["keras3 .keras"],
                "runs": args.repeat,
            }
        )
    shutil.rmtree(tmp, ignore_errors=True)
    print(table(rows))


if __name__ == "__main__":
    main()
