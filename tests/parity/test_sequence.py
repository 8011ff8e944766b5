"""Sequence models: real Keras layers with random weights -> spec -> PyTorch, and spec -> Keras.

Every case checks the converted PyTorch module against the Keras model (float32 tolerance of
tests/helpers.py), the Keras model rebuilt from the spec against the original, equal parameter
counts (Keras, spec, PyTorch trainable + buffers) and that spec -> Keras -> spec gives the spec
back. Recurrent options, Bidirectional, masks (right-padded, left-padded, gapped, fully masked
rows), TimeDistributed, attention and the whole models of the seed articles.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import (
    TOLERANCE,
    assert_close,
    random_weights,
    run_keras,
    run_torch,
    torch_param_count,
)

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
layers = keras.layers


@pytest.fixture(autouse=True)
def _seeded():
    keras.utils.set_random_seed(0)


def check(model, arrays, *, atol: float = TOLERANCE, randomize_weights: bool = True):
    """Keras -> spec -> torch and spec -> Keras agree with the Keras model; returns the spec and
    the generated torch source."""
    if randomize_weights:
        random_weights(model)
    spec = nnspec.from_keras(model)
    ref = run_keras(model, arrays)
    module = nnspec.to_torch(spec)
    assert_close(ref, run_torch(module, arrays), atol)
    assert model.count_params() == spec.count_params() == torch_param_count(module)
    rebuilt = nnspec.to_keras(spec)
    assert_close(ref, run_keras(rebuilt, arrays), atol)
    assert rebuilt.count_params() == model.count_params()
    back = nnspec.from_keras(rebuilt)
    assert back.to_yaml().split("nodes:")[1] == spec.to_yaml().split("nodes:")[1]
    for key, value in spec.params.items():
        np.testing.assert_array_equal(back.params[key], value)
    return spec, nnspec.emit(spec, "torch")


def sequence_model(layer, shape=(6, 3), extra_inputs=()):
    x = keras.Input(shape)
    extra = [keras.Input(s) for s in extra_inputs]
    y = layer(x, initial_state=extra) if extra else layer(x)
    return keras.Model([x, *extra] if extra else x, y)


def data(*shape, seed=1):
    return np.random.default_rng(seed).normal(0.0, 1.0, shape).astype("float32")


# --- LSTM, GRU, SimpleRNN: every option ------------------------------------------------------

COMMON = {
    "last": {},
    "sequences": dict(return_sequences=True),
    "state": dict(return_state=True),
    "sequences_state": dict(return_sequences=True, return_state=True),
    "backwards": dict(go_backwards=True, return_sequences=True),
    "backwards_last_state": dict(go_backwards=True, return_state=True),
    "no_bias": dict(use_bias=False, return_sequences=True),
    "relu": dict(activation="relu", return_sequences=True),
    "dropout": dict(dropout=0.3, recurrent_dropout=0.2),
}
EXTRA = {
    "LSTM": {
        "hard_sigmoid": dict(recurrent_activation="hard_sigmoid", return_state=True),
        "no_unit_forget_bias": dict(unit_forget_bias=False),
        "linear_relu": dict(activation="linear", recurrent_activation="relu"),
    },
    "GRU": {
        "reset_before": dict(reset_after=False),
        "reset_before_sequences": dict(reset_after=False, return_sequences=True, return_state=True),
        "reset_before_backwards_no_bias": dict(
            reset_after=False, go_backwards=True, use_bias=False, return_sequences=True
        ),
        "reset_before_softsign": dict(reset_after=False, activation="softsign"),
        "hard_sigmoid": dict(recurrent_activation="hard_sigmoid", return_sequences=True),
    },
    "SimpleRNN": {
        "sigmoid": dict(activation="sigmoid", return_sequences=True),
        "linear_backwards": dict(activation=None, go_backwards=True),
    },
}
# The fused layers and the explicit loop are shared by the three classes: the default run
# covers every option on LSTM and the class-specific ones elsewhere; -m slow runs the rest.
QUICK = {
    "LSTM": set(COMMON),
    "GRU": {"last", "state", "backwards"},
    "SimpleRNN": {"relu", "state", "backwards"},
}


def param(*values, id: str, quick: bool = True):
    return pytest.param(*values, id=id, marks=() if quick else pytest.mark.slow)


RECURRENT = [
    param(cls, kw, id=f"{cls}-{name}", quick=name in QUICK[cls] or name in EXTRA[cls])
    for cls in ("LSTM", "GRU", "SimpleRNN")
    for name, kw in {**COMMON, **EXTRA[cls]}.items()
]


@pytest.mark.parametrize("cls, options", RECURRENT)
def test_recurrent(cls, options):
    model = sequence_model(getattr(layers, cls)(4, **options))
    check(model, [data(3, 6, 3)])


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "SimpleRNN"])
def test_initial_states(cls):
    n = 2 if cls == "LSTM" else 1
    model = sequence_model(
        getattr(layers, cls)(4, return_sequences=True, return_state=True), extra_inputs=[(4,)] * n
    )
    check(model, [data(3, 6, 3), *(data(3, 4, seed=2 + k) for k in range(n))])


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "SimpleRNN"])
def test_stacked(cls):
    model = keras.Sequential(
        [
            keras.Input((7, 3)),
            getattr(layers, cls)(5, return_sequences=True),
            getattr(layers, cls)(4, return_sequences=True, go_backwards=True),
            getattr(layers, cls)(3),
        ]
    )
    check(model, [data(2, 7, 3)])


def test_rnn_with_cell():
    model = sequence_model(layers.RNN(layers.GRUCell(4, reset_after=False), return_sequences=True))
    spec, _ = check_numbers_only(model, [data(2, 6, 3)])
    assert spec.nodes[0].op == "gru" and not spec.nodes[0].reset_after


def check_numbers_only(model, arrays):
    """Keras -> spec -> torch only (spec -> Keras builds the plain layer, not RNN(cell))."""
    random_weights(model)
    spec = nnspec.from_keras(model)
    module = nnspec.to_torch(spec)
    assert_close(run_keras(model, arrays), run_torch(module, arrays))
    assert model.count_params() == spec.count_params() == torch_param_count(module)
    return spec, module


@pytest.mark.parametrize(
    "options, fused",
    [
        (dict(op="LSTM"), "nn.LSTM("),
        (dict(op="GRU"), "nn.GRU("),
        (dict(op="SimpleRNN", activation="relu"), "nn.RNN("),
        (dict(op="GRU", reset_after=False), "gru_reset_before_step("),
        (dict(op="LSTM", activation="relu"), "lstm_step("),
    ],
    ids=["lstm", "gru", "rnn_relu", "gru_reset_before", "lstm_relu"],
)
def test_pytorch_layer_or_loop(options, fused):
    """The fused PyTorch layers where they compute what Keras does; a loop elsewhere."""
    options = dict(options)
    model = sequence_model(getattr(layers, options.pop("op"))(4, **options))
    random_weights(model)
    source = nnspec.emit(nnspec.from_keras(model), "torch")
    assert fused in source
    assert ("keras_rnn(" in source) == fused.endswith("_step(")


# --- Bidirectional -----------------------------------------------------------------------

MERGES = ["concat", "sum", "mul", "ave", None]
BIDIRECTIONAL = (
    [
        param("LSTM", m, rs, False, id=f"LSTM-{m}-{'seq' if rs else 'last'}")
        for m in MERGES
        for rs in (False, True)
    ]
    + [
        param(c, m, rs, False, id=f"{c}-{m}-{'seq' if rs else 'last'}", quick=(m is None) == rs)
        for c in ("GRU", "SimpleRNN")
        for m in ("concat", None)
        for rs in (False, True)
    ]
    + [
        param(c, m, rs, True, id=f"{c}-{m}-{'seq' if rs else 'last'}-state", quick=c == "LSTM")
        for c in ("LSTM", "GRU")
        for m, rs in (("concat", False), (None, True))
    ]
)


@pytest.mark.parametrize("cls, merge_mode, return_sequences, return_state", BIDIRECTIONAL)
def test_bidirectional(cls, merge_mode, return_sequences, return_state):
    inner = getattr(layers, cls)(3, return_sequences=return_sequences, return_state=return_state)
    model = sequence_model(layers.Bidirectional(inner, merge_mode=merge_mode), shape=(5, 2))
    check(model, [data(3, 5, 2)])


def test_bidirectional_loop_and_initial_state():
    """A bidirectional layer no PyTorch layer computes (GRU reset_after=False), with states."""
    layer = layers.Bidirectional(
        layers.GRU(3, reset_after=False, return_sequences=True, return_state=True), merge_mode="ave"
    )
    model = sequence_model(layer, shape=(5, 2), extra_inputs=[(3,), (3,)])
    check(model, [data(3, 5, 2), data(3, 3, seed=2), data(3, 3, seed=3)])


def test_bidirectional_lstm_initial_state_uses_nn_lstm():
    layer = layers.Bidirectional(layers.LSTM(3, return_state=True))
    model = sequence_model(layer, shape=(5, 2), extra_inputs=[(3,)] * 4)
    _, source = check(model, [data(3, 5, 2), *(data(3, 3, seed=k) for k in range(2, 6))])
    assert "bidirectional=True" in source


def test_bidirectional_custom_backward_layer_refused():
    layer = layers.Bidirectional(
        layers.LSTM(3), backward_layer=layers.LSTM(3, go_backwards=True, activation="relu")
    )
    with pytest.raises(ConversionError, match=r"backward_layer.*activation"):
        nnspec.from_keras(sequence_model(layer, shape=(5, 2)))


# --- Masking ----------------------------------------------------------------------------


def masked_batch(t: int = 7, features: int = 3, value: float = 0.0):
    """Rows: right-padded, left-padded, gapped, unmasked, fully masked."""
    x = data(5, t, features, seed=4)
    x[0, 4:] = value
    x[1, :3] = value
    x[2, [1, 4, 5]] = value
    x[4, :] = value
    return x


def masked_ids(t: int = 7, vocab: int = 20):
    ids = np.random.default_rng(5).integers(1, vocab, (5, t)).astype("int32")
    ids[0, 4:] = 0
    ids[1, :3] = 0
    ids[2, [1, 4, 5]] = 0
    ids[4, :] = 0
    return ids


MASKED = [
    param(
        c,
        rs,
        gb,
        id=f"{c}-{'seq' if rs else 'last'}{'-backwards' if gb else ''}",
        quick=c == "LSTM" or rs != gb,
    )
    for c in ("LSTM", "GRU", "SimpleRNN")
    for rs in (False, True)
    for gb in (False, True)
]


@pytest.mark.parametrize("cls, return_sequences, go_backwards", MASKED)
def test_masking_layer(cls, return_sequences, go_backwards):
    x = keras.Input((7, 3))
    y = layers.Masking(0.5)(x)
    y = getattr(layers, cls)(
        4, return_sequences=return_sequences, go_backwards=go_backwards, return_state=True
    )(y)
    check(keras.Model(x, y), [masked_batch(value=0.5)])


@pytest.mark.parametrize(
    "cls, merge_mode, return_sequences",
    [
        ("LSTM", "concat", False),
        ("LSTM", "sum", True),
        ("GRU", None, True),
        ("GRU", "mul", False),
        ("SimpleRNN", "ave", True),
    ],
)
def test_embedding_mask_bidirectional(cls, merge_mode, return_sequences):
    ids = keras.Input((7,), dtype="int32")
    y = layers.Embedding(20, 4, mask_zero=True)(ids)
    y = layers.Bidirectional(
        getattr(layers, cls)(3, return_sequences=return_sequences, return_state=True),
        merge_mode=merge_mode,
    )(y)
    check(keras.Model(ids, y), [masked_ids()])


def right_padded_ids(t: int = 7, vocab: int = 20):
    """Every row: kept steps first, then padding (lengths 7, 4, 1, 6, 2): the packed path."""
    ids = np.random.default_rng(6).integers(1, vocab, (5, t)).astype("int32")
    for row, length in enumerate((7, 4, 1, 6, 2)):
        ids[row, length:] = 0
    return ids


@pytest.mark.parametrize(
    "cls, bidirectional, return_sequences",
    [
        ("LSTM", False, True),
        ("LSTM", True, False),
        ("GRU", True, True),
        ("GRU", False, False),
        ("SimpleRNN", False, True),
        ("SimpleRNN", True, True),
    ],
)
def test_right_padded_mask(cls, bidirectional, return_sequences):
    """Right padding: the fused layer's weights in masked_rnn's loop (no data-dependent
    branch, so it exports): same numbers as Keras' masked loop."""
    ids = keras.Input((7,), dtype="int32")
    y = layers.Embedding(20, 4, mask_zero=True)(ids)
    layer = getattr(layers, cls)(3, return_sequences=return_sequences, return_state=True)
    y = (layers.Bidirectional(layer) if bidirectional else layer)(y)
    _, source = check(keras.Model(ids, y), [right_padded_ids()])
    assert "masked_rnn" in source and "keras_rnn" not in source


def test_mask_propagates_through_layers():
    """Embedding(mask_zero) -> Dense -> LSTM(sequences) -> Dropout -> GRU(reset_after=False):
    each recurrent layer skips the padded steps."""
    ids = keras.Input((7,), dtype="int32")
    y = layers.Embedding(20, 4, mask_zero=True)(ids)
    y = layers.Dense(5, activation="tanh")(y)
    y = layers.LSTM(4, return_sequences=True)(y)
    y = layers.Dropout(0.5)(y)
    y = layers.GRU(3, reset_after=False)(y)
    spec, _ = check(keras.Model(ids, y), [masked_ids()])
    masked = [(n.inputs[1], n.mask_value) for n in spec.nodes if n.op in ("lstm", "gru")]
    assert masked == [(next(iter(spec.inputs)), 0.0)] * 2


def test_zero_output_for_mask():
    x = keras.Input((7, 3))
    y = layers.Masking()(x)
    y = layers.LSTM(4, return_sequences=True, zero_output_for_mask=True)(y)
    check(keras.Model(x, y), [masked_batch()])


@pytest.mark.parametrize("right_padded", [False, True], ids=["mixed", "right_padded"])
def test_explicit_boolean_mask_and_initial_state(right_padded):
    """A mask given as a boolean input (mask=...), with initial states (Keras does not
    propagate implicit masks into a layer called with initial_state)."""
    x, m = keras.Input((7, 3)), keras.Input((7,), dtype="bool")
    h, c = keras.Input((4,)), keras.Input((4,))
    y = layers.LSTM(4, return_sequences=True, return_state=True)(x, mask=m, initial_state=[h, c])
    mask = np.ones((5, 7), bool)
    mask[0, 4:] = mask[4, 2:] = False
    if not right_padded:
        mask[1, :3] = mask[4] = False
        mask[2, [1, 4]] = False
    check(
        keras.Model([x, m, h, c], y), [data(5, 7, 3), mask, data(5, 4, seed=2), data(5, 4, seed=3)]
    )


# Masks into every consumer Keras has: layers/test_layers_mask_consumers.py


def test_stateful_refused():
    stateful = keras.Sequential([keras.Input((4, 2), batch_size=2), layers.LSTM(3, stateful=True)])
    with pytest.raises(ConversionError, match="stateful"):
        nnspec.from_keras(stateful)


# --- Whole models from the seed articles -------------------------------------------------


def test_lstm_regressor():
    model = keras.Sequential(
        [
            keras.Input((10, 2)),
            layers.LSTM(16, return_sequences=True),
            layers.LSTM(8),
            layers.Dense(1),
        ]
    )
    _, source = check(model, [data(5, 10, 2)])
    assert source.count("nn.LSTM(") == 2 and "keras_rnn" not in source


def test_cnn_lstm_classifier():
    model = keras.Sequential(
        [
            keras.Input((30, 3)),
            layers.Conv1D(8, 3, activation="relu"),
            layers.MaxPooling1D(2),
            layers.LSTM(16),
            layers.Dense(5, activation="softmax"),
        ]
    )
    check(model, [data(4, 30, 3)])


def test_embedding_lstm():
    model = keras.Sequential(
        [
            keras.Input((12,), dtype="int32"),
            layers.Embedding(50, 8),
            layers.LSTM(16),
            layers.Dense(10, activation="softmax"),
        ]
    )
    ids = np.random.default_rng(2).integers(0, 50, (4, 12)).astype("int32")
    check(model, [ids])


def test_embedding_bilstm():
    model = keras.Sequential(
        [
            keras.Input((12,), dtype="int32"),
            layers.Embedding(50, 8),
            layers.Bidirectional(layers.LSTM(8)),
            layers.Dense(10, activation="softmax"),
        ]
    )
    ids = np.random.default_rng(2).integers(0, 50, (4, 12)).astype("int32")
    _, source = check(model, [ids])
    assert "bidirectional=True" in source


def test_variable_length_masked():
    """Variable-length sequences padded with zeros: Masking -> LSTM -> Dense per step."""
    model = keras.Sequential(
        [
            keras.Input((7, 3)),
            layers.Masking(0.0),
            layers.LSTM(6, return_sequences=True),
            layers.TimeDistributed(layers.Dense(2)),
            layers.LSTM(4),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    check(model, [masked_batch()])


# --- TimeDistributed ---------------------------------------------------------------------


def test_time_distributed_cnn_lstm():
    """Frames -> TimeDistributed(Conv2D, MaxPooling2D, Flatten) -> LSTM: the video CNN-LSTM."""
    model = keras.Sequential(
        [
            keras.Input((4, 8, 8, 2)),
            layers.TimeDistributed(layers.Conv2D(3, 3, activation="relu")),
            layers.TimeDistributed(layers.MaxPooling2D(2)),
            layers.TimeDistributed(layers.Flatten()),
            layers.TimeDistributed(layers.Dropout(0.5)),
            layers.LSTM(5),
            layers.Dense(2),
        ]
    )
    spec, source = check(model, [data(2, 4, 8, 8, 2)])
    assert [n.op for n in spec.nodes] == ["time_distributed"] * 4 + ["lstm", "dense"]
    assert "unflatten(0" in source


def test_time_distributed_dense_is_dense():
    model = keras.Sequential(
        [keras.Input((5, 3)), layers.TimeDistributed(layers.Dense(4, activation="tanh"))]
    )
    random_weights(model)
    spec, _ = check_numbers_only(model, [data(2, 5, 3)])
    assert [n.op for n in spec.nodes] == ["dense"]


def test_time_distributed_conv1d_variable_length():
    model = keras.Sequential(
        [keras.Input((None, 6, 2)), layers.TimeDistributed(layers.Conv1D(3, 2, padding="same"))]
    )
    check(model, [data(2, 5, 6, 2)])


# --- Attention ---------------------------------------------------------------------------

MHA = {
    "self": dict(num_heads=2, key_dim=3),
    "cross_value_dim_output": dict(num_heads=3, key_dim=2, value_dim=4, output_shape=5),
    "no_bias_causal": dict(num_heads=2, key_dim=4, use_bias=False, causal=True),
    "dropout_mask": dict(num_heads=2, key_dim=3, dropout=0.2, mask=True),
    "mask_causal_key": dict(num_heads=1, key_dim=3, mask=True, causal=True, key=True),
}


@pytest.mark.parametrize("options", list(MHA.values()), ids=list(MHA))
def test_multi_head_attention(options):
    options = dict(options)
    causal, mask, with_key = (options.pop(k, False) for k in ("causal", "mask", "key"))
    q = keras.Input((5, 4))
    self_attention = "value_dim" not in options
    v = q if self_attention else keras.Input((6, 3))
    k = keras.Input((5 if self_attention else 6, 2)) if with_key else None
    m = keras.Input((5, 5 if self_attention else 6), dtype="bool") if mask else None
    y = layers.MultiHeadAttention(**options)(q, v, key=k, attention_mask=m, use_causal_mask=causal)
    inputs = [t for t in (q, None if self_attention else v, k, m) if t is not None]
    arrays = [data(3, 5, 4)] + ([] if self_attention else [data(3, 6, 3, seed=2)])
    if with_key:
        arrays.append(data(3, 5 if self_attention else 6, 2, seed=3))
    if mask:
        allowed = np.random.default_rng(4).random((3, 5, 5 if self_attention else 6)) > 0.4
        allowed[:, :, 0] = True
        arrays.append(allowed)
    check(keras.Model(inputs if len(inputs) > 1 else inputs[0], y), arrays)


@pytest.mark.parametrize(
    "cls, options",
    [
        ("Attention", {}),
        ("Attention", dict(use_scale=True, causal=True)),
        ("Attention", dict(score_mode="concat")),
        ("Attention", dict(score_mode="concat", use_scale=True)),
        ("AdditiveAttention", {}),
        ("AdditiveAttention", dict(use_scale=False, causal=True)),
    ],
    ids=[
        "dot",
        "dot_scaled_causal",
        "concat",
        "concat_scaled",
        "additive",
        "additive_unscaled_causal",
    ],
)
def test_attention(cls, options):
    options = dict(options)
    causal = options.pop("causal", False)
    q, v, k = keras.Input((4, 3)), keras.Input((5, 2)), keras.Input((5, 3))
    y = getattr(layers, cls)(**options)([q, v, k], use_causal_mask=causal)
    check(keras.Model([q, v, k], y), [data(2, 4, 3), data(2, 5, 2, seed=2), data(2, 5, 3, seed=3)])


def test_transformer_encoder_block():
    """Embedding + position-free transformer encoder block + pooling classifier."""
    ids = keras.Input((10,), dtype="int32")
    x = layers.Embedding(30, 16)(ids)
    a = layers.MultiHeadAttention(num_heads=4, key_dim=4)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, layers.Dropout(0.1)(a)]))
    f = layers.Dense(32, activation="relu")(x)
    f = layers.Dense(16)(f)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, f]))
    x = layers.GlobalAveragePooling1D()(x)
    y = layers.Dense(3, activation="softmax")(x)
    token_ids = np.random.default_rng(3).integers(0, 30, (4, 10)).astype("int32")
    _, source = check(keras.Model(ids, y), [token_ids])
    assert "F.scaled_dot_product_attention(" in source


# A padding mask combined by a merge layer into attention converts with parity:
# tests/frontends/keras/layers/test_layers_mask_consumers.py
