"""Writes Keras 2 model files with tf-keras (Keras 2 for TensorFlow), run in a subprocess:
``python make_fixtures.py OUTDIR [--slow] [--real DIR]``. For each model: ``<name>.h5``,
``<name>.npz`` (two inputs and tf-keras' own outputs) and, for SAVED_MODELS (every model with
``--slow``), a SavedModel directory ``<name>_sm/`` (``<name>_untraced_sm/``: saved with
``save_traces=False``). ``--real DIR``: tf-keras' outputs for the
real files in DIR, as ``real_<file>.npz``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import tf_keras as K

L = K.layers


def cnn():
    inp = K.Input((12, 12, 3), name="image")
    x = L.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inp)
    x = L.BatchNormalization()(x)
    x = L.MaxPooling2D(padding="same")(x)
    x = L.ZeroPadding2D(1)(x)
    x = L.AveragePooling2D()(x)
    x = L.Flatten()(x)
    x = L.Dense(6, activation="hard_sigmoid")(x)
    x = L.Dropout(0.3)(x)
    return K.Model(inp, L.Dense(3, activation="softmax")(x), name="cnn"), [
        ("float", (2, 12, 12, 3))
    ]


def sequential_cnn():
    model = K.Sequential(
        [
            L.Conv1D(4, 3, padding="causal", input_shape=(10, 2)),
            L.LeakyReLU(0.1),
            L.GlobalAveragePooling1D(),
            L.Dense(4),
            L.Activation("hard_sigmoid"),
        ],
        name="seq_conv1d",
    )
    return model, [("float", (2, 10, 2))]


def conv3d_multi():
    a = K.Input((4, 6, 6, 2), name="volume")
    b = K.Input((5,), name="side")
    x = L.Conv3D(3, 2, activation="tanh")(a)
    x = L.GlobalMaxPooling3D()(x)
    y = L.Dense(3)(b)
    s = L.Add()([x, y])
    c = L.Concatenate()([x, y, s])
    m = L.Multiply()([x, y])
    return K.Model([a, b], [c, L.Dense(2)(m)], name="conv3d_multi"), [
        ("float", (2, 4, 6, 6, 2)),
        ("float", (2, 5)),
    ]


def recurrent():
    ids = K.Input((7,), name="ids")
    x = L.Embedding(20, 6, mask_zero=True)(ids)
    x = L.LSTM(5, return_sequences=True, recurrent_activation="hard_sigmoid")(x)
    x = L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode="concat")(x)
    x = L.TimeDistributed(L.Dense(3))(x)
    x = L.SimpleRNN(4)(x)
    return K.Model(ids, x, name="recurrent"), [("ids", (2, 7), 20)]


def nested_shared():
    inner = K.Sequential(
        [L.Dense(4, activation="relu", input_shape=(3,)), L.Dense(2)], name="inner"
    )
    a = K.Input((3,), name="a")
    b = K.Input((3,), name="b")
    shared = L.Dense(3, name="shared")
    ya, yb = inner(shared(a)), inner(shared(b))
    merged = [L.Subtract()([ya, yb]), L.Average()([ya, yb]), L.Maximum()([ya, yb])]
    return K.Model([a, b], [L.Concatenate()(merged), ya], name="nested_shared"), [
        ("float", (2, 3)),
        ("float", (2, 3)),
    ]


def bidirectional_lstm():
    inp = K.Input((6, 4), name="seq")
    x = L.Bidirectional(L.LSTM(3, return_sequences=False), merge_mode="sum")(inp)
    return K.Model(inp, x, name="bilstm"), [("float", (2, 6, 4))]


def gru_reset_before():
    inp = K.Input((5, 3), name="seq")
    x = L.GRU(4, reset_after=False, return_sequences=True)(inp)
    x = L.GRU(3, go_backwards=True)(x)
    return K.Model(inp, x, name="gru_reset_before"), [("float", (2, 5, 3))]


def image_misc():
    inp = K.Input((8, 8, 3), name="image")
    x = L.Rescaling(1 / 255, offset=-0.5)(inp)
    x = L.Conv2DTranspose(4, 3, strides=2, padding="same")(x)
    x = L.DepthwiseConv2D(3, depth_multiplier=2)(x)
    x = L.SeparableConv2D(4, 3, padding="same")(x)
    x = L.ReLU(max_value=2.0)(x)
    x = L.Cropping2D(1)(x)
    x = L.UpSampling2D(interpolation="bilinear")(x)
    x = L.PReLU()(x)
    x = L.LayerNormalization()(x)
    x = L.ELU(0.5)(x)
    x = L.Reshape((-1, 4))(x)
    x = L.Permute((2, 1))(x)
    x = L.GlobalMaxPooling1D()(x)
    a, b = L.Dense(3)(x), L.Dense(3)(x)
    y = L.Concatenate()([L.Minimum()([a, b]), L.Dot(axes=1)([a, b])])
    return K.Model(inp, L.Softmax()(y), name="image_misc"), [("float", (2, 8, 8, 3))]


def sequence_misc():
    inp = K.Input((6, 4), name="seq")
    last = L.LSTM(5)(L.Masking(0.0)(inp))  # the mask ends in the LSTM
    att = L.MultiHeadAttention(num_heads=2, key_dim=3)(inp, inp)  # value= in the call's kwargs
    v = L.RepeatVector(2)(L.Concatenate()([last, L.GlobalAveragePooling1D()(att)]))
    return K.Model(inp, L.Flatten()(v), name="sequence_misc"), [("masked", (2, 6, 4))]


def image_prep():
    inp = K.Input((10, 10, 3), name="image")
    norm = L.Normalization()
    norm.adapt(np.random.default_rng(2).normal(1.0, 2.0, (16, 10, 10, 3)).astype("float32"))
    x = L.Resizing(8, 8, interpolation="bilinear")(norm(inp))
    x = L.CenterCrop(6, 6)(x)
    x = L.Reshape((36, 3))(x)
    x = L.Conv1DTranspose(4, 3, strides=2, padding="same", activation="relu")(x)
    x = L.GlobalAveragePooling1D()(x)
    return K.Model(inp, L.Dense(2)(x), name="image_prep"), [("float", (2, 10, 10, 3))]


def attention():
    q = K.Input((5, 4), name="query")
    v = K.Input((6, 4), name="value")
    a = L.Attention(use_scale=True)([q, v])
    b = L.AdditiveAttention()([q, v, v])
    x = L.GlobalAveragePooling1D()(L.Concatenate()([a, b]))
    return K.Model([q, v], x, name="attention"), [("float", (2, 5, 4)), ("float", (2, 6, 4))]


def rnn_cells():
    inp = K.Input((6, 3), name="seq")
    x = L.RNN(L.LSTMCell(4), return_sequences=True)(inp)
    backward = L.GRU(3, return_sequences=True, go_backwards=True)
    x = L.Bidirectional(L.GRU(3, return_sequences=True), backward_layer=backward, merge_mode="ave")(
        x
    )
    x = L.RNN(L.SimpleRNNCell(2))(x)
    return K.Model(inp, x, name="rnn_cells"), [("float", (2, 6, 3))]


def unmirrored_backward():
    inp = K.Input((6, 3), name="seq")
    backward = L.GRU(2, go_backwards=True, name="backward_gru")
    x = L.Bidirectional(L.GRU(3), backward_layer=backward, name="bidi")(inp)
    return K.Model(inp, x, name="unmirrored_backward"), [("float", (2, 6, 3))]


def lambda_model():
    inp = K.Input((4,), name="x")
    x = L.Lambda(lambda t: t / 255 - 0.5, name="scale")(inp)
    return K.Model(inp, L.Dense(2)(x), name="with_lambda"), [("float", (2, 4))]


MODELS = [
    cnn,
    sequential_cnn,
    conv3d_multi,
    recurrent,
    nested_shared,
    image_prep,
    attention,
    rnn_cells,
    unmirrored_backward,
    lambda_model,
]
SLOW_MODELS = [bidirectional_lstm, gru_reset_before, image_misc, sequence_misc]
# Saving a SavedModel traces every call function: seconds per recurrent layer, so the
# default set has the cheap ones, and --slow saves every model.
SAVED_MODELS = ("nested_shared", "attention", "image_prep")
UNTRACED_SAVED_MODELS = ("recurrent",)  # save_traces=False: fast to write


def randomise(model, rng):
    adapted = {  # Normalization keeps the statistics adapt() computed
        w.ref()
        for layer in model.submodules
        if isinstance(layer, L.Normalization)
        for w in layer.weights
    }
    for w in model.weights:
        if w.ref() in adapted:
            continue
        short = w.name.split("/")[-1]
        shape = tuple(w.shape)
        value = rng.uniform(0.5, 1.5, shape) if "variance" in short else rng.normal(0, 0.5, shape)
        w.assign(value.astype(w.dtype.as_numpy_dtype))


def inputs(specs, rng):
    arrays = []
    for spec in specs:
        if spec[0] == "masked":
            x = rng.normal(size=spec[1]).astype("float32")
            x[:, -2:] = 0.0  # masked steps
            arrays.append(x)
        elif spec[0] == "ids":
            x = rng.integers(1, spec[2], spec[1])
            x[:, -2:] = 0  # padded steps
            arrays.append(x.astype("float32"))
        else:
            arrays.append(rng.normal(size=spec[1]).astype("float32"))
    return arrays


def real_outputs(real: Path, out: Path) -> None:
    """tf-keras' outputs for each real file, on two random inputs of its input shapes."""
    for path in sorted(real.glob("*__*")):
        model = K.models.load_model(path, compile=False)
        rng = np.random.default_rng(1)
        specs = []
        for x in model.inputs:
            shape = tuple(
                2 if d is None and i == 0 else (8 if d is None else d)
                for i, d in enumerate(x.shape)
            )
            feeds_embedding = any(
                type(n.outbound_layer).__name__ == "Embedding"
                for n in x._keras_history.layer._outbound_nodes
            )
            specs.append(("ids", shape, 40) if feeds_embedding else ("float", shape))
        arrays = {}
        for tag in ("1", "2"):
            xs = inputs(specs, rng)
            ys = model.predict(xs, verbose=0)
            ys = ys if isinstance(ys, list) else [ys]
            arrays |= {f"x{tag}_{i}": a for i, a in enumerate(xs)}
            arrays |= {f"y{tag}_{i}": a for i, a in enumerate(ys)}
        arrays["params"] = np.asarray(model.count_params())
        np.savez(out / f"real_{path.name}.npz", **arrays)


def main(out: Path, slow: bool, real: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if real is not None:
        real_outputs(real, out)
    for make in MODELS + (SLOW_MODELS if slow else []):
        model, specs = make()
        rng = np.random.default_rng(0)
        randomise(model, rng)
        model.save(out / f"{model.name}.h5")
        if slow or model.name in SAVED_MODELS:
            model.save(out / f"{model.name}_sm", save_format="tf")
        if model.name in UNTRACED_SAVED_MODELS:  # no traced functions, no variable lists
            model.save(out / f"{model.name}_untraced_sm", save_format="tf", save_traces=False)
        x1, x2 = inputs(specs, rng), inputs(specs, rng)
        y1 = model.predict(x1, verbose=0)
        y2 = model.predict(x2, verbose=0)
        y1 = y1 if isinstance(y1, list) else [y1]
        y2 = y2 if isinstance(y2, list) else [y2]
        arrays = {f"x1_{i}": a for i, a in enumerate(x1)} | {f"x2_{i}": a for i, a in enumerate(x2)}
        arrays |= {f"y1_{i}": a for i, a in enumerate(y1)} | {
            f"y2_{i}": a for i, a in enumerate(y2)
        }
        arrays["params"] = np.asarray(model.count_params())
        np.savez(out / f"{model.name}.npz", **arrays)
    (out / "done").write_text("ok")


if __name__ == "__main__":
    args = sys.argv[1:]
    real_dir = Path(args[args.index("--real") + 1]) if "--real" in args else None
    main(Path(args[0]), "--slow" in args, real_dir)
