"""Sequence models: median inference time of the converted PyTorch module against Keras.

    python bench/sequence.py [--repeat 20] [--threads N] [--only lstm,bigru,...]

Each model is built in Keras with random weights, converted (Keras -> spec -> PyTorch), checked
for equal outputs, then timed on the same batch: Keras through a compiled ``tf.function``, and
through ``tf.function(jit_compile=True)`` (XLA), against the PyTorch module under
``torch.inference_mode()``. The ratio is PyTorch time / the faster Keras time (< 1: PyTorch
is faster). The last column says whether the module runs PyTorch's fused recurrent layers or
nnspec's explicit time loop (the fallback for what no PyTorch layer computes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import first_line, max_error, quiet_tf, table

BATCH, STEPS, VOCAB = 32, 100, 20000
MODEL_NAMES = (
    "lstm",
    "bigru",
    "bigru_masked",
    "bigru_reset_before",
    "lstm_relu",
    "transformer",
    "conv_lstm",
)
FRAMES = (10, 32, 32, 1)  # conv_lstm: 10 frames of 32x32, one channel


def _models():
    """name -> (builder, input kind), built lazily so --only skips the others."""
    import keras
    from keras import layers

    def lstm2():
        return keras.Sequential(
            [
                keras.Input((STEPS, 32)),
                layers.LSTM(256, return_sequences=True),
                layers.LSTM(256),
                layers.Dense(1),
            ],
            name="lstm2x256",
        )

    def bigru(mask_zero=False, reset_after=True):
        def build():
            return keras.Sequential(
                [
                    keras.Input((STEPS,), dtype="int32"),
                    layers.Embedding(VOCAB, 128, mask_zero=mask_zero),
                    layers.Bidirectional(layers.GRU(64, reset_after=reset_after)),
                    layers.Dense(1, activation="sigmoid"),
                ]
            )

        return build

    def lstm_relu():
        return keras.Sequential(
            [keras.Input((STEPS, 32)), layers.LSTM(256, activation="relu"), layers.Dense(1)],
            name="lstm_relu",
        )

    def transformer():
        ids = keras.Input((STEPS,), dtype="int32")
        x = layers.Embedding(VOCAB, 128)(ids)
        a = layers.MultiHeadAttention(num_heads=4, key_dim=32)(x, x)
        x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, a]))
        f = layers.Dense(256, activation="relu")(x)
        f = layers.Dense(128)(f)
        x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, f]))
        x = layers.GlobalAveragePooling1D()(x)
        return keras.Model(ids, layers.Dense(2, activation="softmax")(x), name="transformer")

    def conv_lstm():  # keras.io's next-frame prediction, smaller, no batch norm
        # (_randomize gives its variance negative values)
        return keras.Sequential(
            [
                keras.Input(FRAMES),
                layers.ConvLSTM2D(32, 5, padding="same", return_sequences=True, activation="relu"),
                layers.ConvLSTM2D(32, 3, padding="same", return_sequences=True, activation="relu"),
                layers.Conv3D(1, 3, padding="same", activation="sigmoid"),
            ],
            name="conv_lstm",
        )

    return {
        "lstm": ("2-layer LSTM(256), 100 steps", lstm2, "float"),
        "bigru": ("Embedding + BiGRU(64) classifier", bigru(), "ids"),
        "bigru_masked": (
            "same, Embedding(mask_zero=True), right-padded",
            bigru(True),
            "padded_ids",
        ),
        "bigru_reset_before": ("same, GRU(reset_after=False)", bigru(False, False), "ids"),
        "lstm_relu": ("LSTM(256, activation='relu')", lstm_relu, "float"),
        "transformer": ("transformer encoder block (4 heads, d=128)", transformer, "ids"),
        "conv_lstm": ("2 x ConvLSTM2D(32) + Conv3D, 10 frames 32x32, batch 8", conv_lstm, "frames"),
    }


def _batch(kind: str):
    import numpy as np

    rng = np.random.default_rng(1)
    if kind == "float":
        return rng.normal(0.0, 1.0, (BATCH, STEPS, 32)).astype("float32")
    if kind == "frames":
        return rng.normal(0.0, 1.0, (8, *FRAMES)).astype("float32")
    ids = rng.integers(1, VOCAB, (BATCH, STEPS)).astype("int32")
    if kind == "padded_ids":  # lengths between 20 and 100, padding at the end
        for row, length in enumerate(rng.integers(20, STEPS + 1, BATCH)):
            ids[row, length:] = 0
    return ids


def _randomize(model, seed: int = 0) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    for v in model.weights:
        v.assign((rng.normal(0.0, 0.1, tuple(v.shape))).astype(str(v.dtype)))


def _keras_fn(model, x, jit: bool):
    import tensorflow as tf

    spec = tf.TensorSpec((None, *x.shape[1:]), tf.as_dtype(x.dtype))
    fn = tf.function(lambda t: model(t, training=False), input_signature=[spec], jit_compile=jit)
    t = tf.constant(x)
    return lambda: fn(t).numpy()


def interleaved_medians(runners: dict, repeat: int, warmup: int = 2) -> dict[str, float]:
    """Median seconds of each runner, timed in turns (one run of each per round) so that a
    change in the machine's load affects them alike."""
    for fn in runners.values():
        for _ in range(warmup):
            fn()
    times = {k: [] for k in runners}
    for _ in range(repeat):
        for k, fn in runners.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def run(name: str, what: str, build, kind: str, repeat: int) -> dict:
    import numpy as np
    import torch

    import nnspec

    row = {"model": what}
    model = build()
    _randomize(model)
    x = _batch(kind)
    spec = nnspec.from_keras(model)
    source = nnspec.emit(spec, "torch")
    module = nnspec.to_torch(spec)
    t = torch.from_numpy(x)

    def torch_run():
        with torch.inference_mode():
            return module(t)

    err, bound = max_error(np.asarray(model(x, training=False)), torch_run().numpy())
    row["max err"] = err
    row["ok"] = "yes" if err <= bound else "NO"
    runners = {
        "keras tf.function ms": _keras_fn(model, x, False),
        "keras XLA ms": _keras_fn(model, x, True),
        "torch ms": torch_run,
    }
    try:
        runners["keras XLA ms"]()
    except Exception as e:  # noqa: BLE001 - XLA may not compile every model on every CPU
        row["keras XLA ms"] = first_line(e, 40)
        del runners["keras XLA ms"]
    row.update({k: v * 1e3 for k, v in interleaved_medians(runners, repeat).items()})
    keras_best = min(v for k, v in row.items() if k.startswith("keras") and isinstance(v, float))
    row["torch / keras"] = row["torch ms"] / keras_best
    row["path"] = (
        "loop (keras_rnn)"
        if "keras_rnn(" in source
        else "loop (conv_lstm)"
        if "conv_lstm(" in source
        else "masked_rnn: packed"
        if "masked_rnn(" in source
        else "fused"
    )
    return row


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeat", type=int, default=20)
    p.add_argument("--threads", type=int, default=0, help="torch and TF threads (0: default)")
    p.add_argument(
        "--only",
        default="",
        help="comma-separated: " + ", ".join(MODEL_NAMES),
    )
    args = p.parse_args(argv)
    quiet_tf()
    import tensorflow as tf
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    models = _models()
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(models)
    rows = []
    for name in names:
        what, build, kind = models[name]
        try:
            rows.append(run(name, what, build, kind, args.repeat))
        except Exception as e:  # noqa: BLE001 - report and go on with the other models
            rows.append({"model": what, "ok": first_line(e)})
        print(f"done: {name}", file=sys.stderr)
    print(
        f"batch {BATCH}, {STEPS} steps; torch {torch.__version__} "
        f"({torch.get_num_threads()} threads), tensorflow {tf.__version__}; median of "
        f"{args.repeat} runs"
    )
    print(
        table(
            rows,
            [
                "model",
                "keras tf.function ms",
                "keras XLA ms",
                "torch ms",
                "torch / keras",
                "path",
                "max err",
                "ok",
            ],
        )
    )


if __name__ == "__main__":
    main()
