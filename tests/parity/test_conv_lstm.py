"""Keras ConvLSTM1D/2D/3D with random weights -> spec -> PyTorch, and spec -> Keras.

Each case checks the PyTorch module against the Keras model on two different inputs
(tests/helpers.py), the Keras model rebuilt from the spec against the original, equal
parameter counts, and spec -> Keras -> spec. The refused options are checked by name.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, random_weights, run_keras, run_torch, torch_param_count

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
layers = keras.layers


@pytest.fixture(autouse=True)
def _seeded():
    keras.utils.set_random_seed(0)


def data(*shape, seed=1):
    return np.random.default_rng(seed).normal(0.0, 1.0, shape).astype("float32")


def check(model, arrays):
    random_weights(model)
    spec = nnspec.from_keras(model)
    ref = run_keras(model, arrays)
    module = nnspec.to_torch(spec)
    assert_close(ref, run_torch(module, arrays))
    assert model.count_params() == spec.count_params() == torch_param_count(module)
    rebuilt = nnspec.to_keras(spec)
    assert_close(ref, run_keras(rebuilt, arrays))
    back = nnspec.from_keras(rebuilt)
    assert back.to_yaml().split("nodes:")[1] == spec.to_yaml().split("nodes:")[1]
    for key, value in spec.params.items():
        np.testing.assert_array_equal(back.params[key], value)
    return spec, module


def param(*values, id: str, quick: bool = True):
    return pytest.param(*values, id=id, marks=() if quick else pytest.mark.slow)


# (layer class, options, frame shape (T, *spatial, C), in the default suite)
CASES = [
    param("ConvLSTM2D", dict(filters=3, kernel_size=3), (3, 5, 5, 2), id="2d-last"),
    param(
        "ConvLSTM2D",
        dict(filters=2, kernel_size=(3, 2), strides=2, padding="same", return_sequences=True),
        (3, 6, 5, 2),
        id="2d-same-stride2-sequences",
    ),
    param(
        "ConvLSTM2D",
        dict(filters=2, kernel_size=2, padding="same", return_state=True, go_backwards=True),
        (3, 4, 5, 2),
        id="2d-even-kernel-state-backwards",
    ),
    param(
        "ConvLSTM1D",
        dict(filters=3, kernel_size=2, dilation_rate=2, padding="same", return_sequences=True),
        (4, 7, 2),
        id="1d-dilated-same-sequences",
    ),
    param(
        "ConvLSTM3D",
        dict(filters=2, kernel_size=2, padding="same", return_sequences=True, return_state=True),
        (2, 3, 4, 3, 2),
        id="3d-same-sequences-state",
    ),
    param(
        "ConvLSTM2D",
        dict(filters=2, kernel_size=3, data_format="channels_first", return_sequences=True),
        (3, 2, 5, 6),
        id="2d-channels-first-sequences",
    ),
    param(
        "ConvLSTM1D",
        dict(filters=2, kernel_size=3, data_format="channels_first"),
        (3, 2, 6),
        id="1d-channels-first-last",
    ),
    param(
        "ConvLSTM2D",
        dict(filters=2, kernel_size=3, strides=(1, 2), return_sequences=True, return_state=True),
        (3, 6, 7, 2),
        id="2d-valid-stride-sequences-state",
        quick=False,
    ),
    param(
        "ConvLSTM2D",
        dict(
            filters=2,
            kernel_size=3,
            padding="same",
            activation="relu",
            recurrent_activation="hard_sigmoid",
            use_bias=False,
        ),
        (3, 5, 5, 2),
        id="2d-relu-hard-sigmoid-no-bias",
        quick=False,
    ),
    param(
        "ConvLSTM2D",
        dict(filters=2, kernel_size=3, unit_forget_bias=False, dropout=0.3, recurrent_dropout=0.2),
        (3, 5, 5, 2),
        id="2d-dropout-no-unit-forget-bias",
        quick=False,
    ),
    param(
        "ConvLSTM1D",
        dict(filters=3, kernel_size=3, strides=2, padding="same", return_state=True),
        (4, 9, 2),
        id="1d-same-stride2-state",
        quick=False,
    ),
    param(
        "ConvLSTM1D",
        dict(filters=2, kernel_size=4, go_backwards=True, return_sequences=True),
        (4, 8, 3),
        id="1d-valid-even-backwards-sequences",
        quick=False,
    ),
    param(
        "ConvLSTM3D",
        dict(filters=2, kernel_size=(1, 2, 3), strides=(1, 2, 1)),
        (2, 3, 5, 4, 2),
        id="3d-valid-stride-last",
        quick=False,
    ),
    param(
        "ConvLSTM3D",
        dict(filters=2, kernel_size=3, padding="same", data_format="channels_first"),
        (2, 2, 3, 3, 4),
        id="3d-channels-first-last",
        quick=False,
    ),
    param(
        "ConvLSTM2D",
        dict(filters=2, kernel_size=3, padding="same", go_backwards=True, return_sequences=True),
        (3, 4, 4, 2),
        id="2d-same-backwards-sequences",
        quick=False,
    ),
]


@pytest.mark.parametrize("cls, options, shape", CASES)
def test_conv_lstm(cls, options, shape):
    model = keras.Sequential([keras.Input(shape), getattr(layers, cls)(**options)])
    spec, _ = check(model, [data(2, *shape)])
    assert spec.nodes[-1 if options.get("data_format") != "channels_first" else -2].op == (
        f"conv_lstm{cls[-2]}d"
    )


def test_initial_state():
    x, h, c = keras.Input((3, 5, 5, 2)), keras.Input((5, 5, 3)), keras.Input((5, 5, 3))
    y = layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True)(x, initial_state=[h, c])
    check(
        keras.Model([x, h, c], y),
        [data(2, 3, 5, 5, 2), data(2, 5, 5, 3, seed=2), data(2, 5, 5, 3, seed=3)],
    )


def test_initial_state_channels_first():
    x, h, c = keras.Input((3, 2, 5, 5)), keras.Input((3, 3, 3)), keras.Input((3, 3, 3))
    conv = layers.ConvLSTM2D(3, 3, data_format="channels_first")
    y = conv(x, initial_state=[h, c])
    arrays = [data(2, 3, 2, 5, 5), data(2, 3, 3, 3, seed=2), data(2, 3, 3, 3, seed=3)]
    check(keras.Model([x, h, c], y), arrays)


def test_states_feed_a_second_layer():
    """The final states (channels-first inside the module) as another layer's initial states."""
    x = keras.Input((3, 5, 5, 2))
    seq, h, c = layers.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True)(x)
    y = layers.ConvLSTM2D(3, 3, padding="same")(seq, initial_state=[h, c])
    y = layers.Conv2D(2, 1)(y)
    check(keras.Model(x, [y, h]), [data(2, 3, 5, 5, 2)])


def test_frame_cnn_then_conv_lstm_permutes_once():
    """A time-distributed CNN writes channels-first frames; the ConvLSTM reads them as they
    are, and its last output goes channels-first into the next convolution."""
    x = keras.Input((3, 6, 6, 2))
    y = layers.TimeDistributed(layers.Conv2D(4, 3, padding="same"))(x)
    y = layers.ConvLSTM2D(3, 3, padding="same")(y)
    y = layers.Conv2D(2, 1)(y)
    spec, _ = check(keras.Model(x, y), [data(2, 3, 6, 6, 2)])
    source = nnspec.emit(spec, "torch")
    assert source.count(".permute(") == 2, source  # in and out


def test_stateful_refused():
    model = keras.Sequential(
        [keras.Input((3, 5, 5, 2), batch_size=2), layers.ConvLSTM2D(2, 3, stateful=True)]
    )
    with pytest.raises(ConversionError, match=r"ConvLSTM2D.*stateful"):
        nnspec.from_keras(model)


def test_channels_first_with_state_refused():
    model = keras.Sequential(
        [
            keras.Input((3, 2, 5, 5)),
            layers.ConvLSTM2D(2, 3, data_format="channels_first", return_state=True),
        ]
    )
    with pytest.raises(ConversionError, match=r"data_format.*return_state"):
        nnspec.from_keras(model)


@pytest.mark.parametrize(
    "options",
    [
        dict(return_sequences=True),
        dict(go_backwards=True, return_state=True),
        dict(data_format="channels_first"),
    ],
    ids=["sequences", "backwards-state", "channels-first-last"],
)
def test_step_mask(options):
    """A (N, T) boolean mask: masked steps keep the state and repeat the previous output
    (gaps, a row masked from the start, a fully masked row)."""
    first = options.get("data_format") == "channels_first"
    shape = (4, 2, 5, 5) if first else (4, 5, 5, 2)
    x, m = keras.Input(shape), keras.Input((4,), dtype="bool")
    y = layers.ConvLSTM2D(2, 3, padding="same", **options)(x, mask=m)
    mask = np.array([[True, False, True, True], [False, False, True, False]] * 2)
    mask[3] = False
    spec, _ = check(keras.Model([x, m], y), [data(4, *shape), mask])
    assert any(n.op == "conv_lstm2d" and n.mask_value == 0.0 for n in spec.nodes)


def test_mask_from_a_masking_layer_refused():
    """Keras would keep the state per spatial cell (the mask is (N, T, H, W)): no spec op
    computes that yet."""
    x = keras.Input((3, 4, 4, 2))
    y = layers.ConvLSTM2D(2, 3, padding="same")(layers.Masking()(x))
    with pytest.raises(ConversionError, match=r"ConvLSTM2D.*receives a Keras mask"):
        nnspec.from_keras(keras.Model(x, y))


def test_torch_export_with_a_dynamic_batch():
    x = keras.Input((3, 5, 5, 2))
    seq, _, c = layers.ConvLSTM2D(2, 2, padding="same", return_sequences=True, return_state=True)(x)
    model = keras.Model(x, [seq, c])
    random_weights(model)
    module = nnspec.to_torch(nnspec.from_keras(model))
    batch = torch.export.Dim("batch")
    first = torch.from_numpy(data(2, 3, 5, 5, 2))
    program = torch.export.export(module, (first,), dynamic_shapes=({0: batch},))
    second = data(4, 3, 5, 5, 2, seed=5)
    with torch.no_grad():
        got = program.module()(torch.from_numpy(second))
    for g, w in zip(got, model(second)):
        np.testing.assert_allclose(g.numpy(), np.asarray(w), rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_torch_compile():
    model = keras.Sequential(
        [keras.Input((3, 5, 5, 2)), layers.ConvLSTM2D(2, 3, padding="same", go_backwards=True)]
    )
    random_weights(model)
    module = nnspec.to_torch(nnspec.from_keras(model))
    compiled = torch.compile(module)
    for seed in (1, 2):
        x = data(2, 3, 5, 5, 2, seed=seed)
        with torch.no_grad():
            got = compiled(torch.from_numpy(x))
        np.testing.assert_allclose(got.numpy(), np.asarray(model(x)), rtol=1e-4, atol=1e-5)


def test_from_torch_of_the_generated_module_refused_by_name():
    """The generated loop folds time into the batch for the input convolution, which the
    PyTorch frontend refuses (as for time_distributed), with the reason, not a traceback."""
    model = keras.Sequential([keras.Input((3, 5, 5, 2)), layers.ConvLSTM2D(2, 3, padding="same")])
    module = nnspec.to_torch(nnspec.from_keras(model))
    with pytest.raises(ConversionError, match=r"flatten.*batch on dim 0"):
        nnspec.from_torch(module, torch.zeros(2, 3, 5, 5, 2))
