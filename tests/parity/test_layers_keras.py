"""Real Keras models of the core layers -> nnspec.from_keras -> nnspec.to_torch give Keras'
numbers.

Each case builds a small functional model around normalisation, activation, reshaping,
merging, embedding, preprocessing and training-only layers, gives every weight a random value
(batch normalisation gets random moving statistics, Normalization is adapted to data),
converts it, and checks the PyTorch module against Keras (max|a - b| <= 1e-4 * max(1, max|ref|))
and the parameter counts; then that Keras -> spec -> Keras -> spec is idempotent. The traps
covered: Flatten after Conv2D (channels-last order), batch-norm epsilon and momentum with
non-zero moving statistics, LeakyReLU's 0.3, ReLU's threshold and cap, ELU's alpha,
dropout-like layers at inference. Models Keras can't describe safely (Lambda,
custom layers) are refused with one message listing every such layer.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, random_weights, run_keras, run_torch, torch_param_count

import nnspec
from nnspec.spec.activations import ACTIVATION_NAMES
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
L = keras.layers


# --- model builders: each returns (keras.Model, [input arrays]) ---------------------------


def _x(shape, seed=1, scale=1.0):
    return (np.random.default_rng(seed).normal(0.0, scale, (3, *shape))).astype("float32")


def chain(shape, *layers, x=None):
    """A functional model applying ``layers`` in turn to one input of ``shape``."""

    def build():
        inp = keras.Input(shape)
        y = inp
        for layer in layers:
            y = layer()(y)
        return keras.Model(inp, y), [_x(shape) if x is None else x]

    return build


def conv_bn_flatten():
    """The classic trap: conv -> batch norm -> relu -> flatten -> dense."""
    inp = keras.Input((6, 5, 3))
    y = L.Conv2D(4, 3, padding="same")(inp)
    y = L.BatchNormalization()(y)
    y = L.Activation("relu")(y)
    y = L.Flatten()(y)
    y = L.Dense(7)(y)
    return keras.Model(inp, y), [_x((6, 5, 3))]


def dense_bn_relu6():
    inp = keras.Input((8,))
    y = L.Dense(6)(inp)
    y = L.BatchNormalization(epsilon=1e-5, momentum=0.9)(y)
    y = L.ReLU(max_value=6.0)(y)
    y = L.Dropout(0.5)(y)
    y = L.Dense(3, activation="softmax")(y)
    return keras.Model(inp, y), [_x((8,), scale=3.0)]


def bn_variants():
    inp = keras.Input((4, 5, 3))
    a = L.BatchNormalization(center=False, scale=False)(inp)
    b = L.BatchNormalization(axis=1, center=False)(inp)
    c = L.BatchNormalization(axis=2, scale=False, epsilon=0.01)(inp)
    return keras.Model(inp, [a, b, c]), [_x((4, 5, 3), scale=2.0)]


def norms():
    inp = keras.Input((6, 6, 4))
    y = L.Conv2D(8, 3)(inp)
    y = L.GroupNormalization(groups=4)(y)
    y = L.PReLU(shared_axes=[1, 2])(y)
    y = L.LayerNormalization(axis=[1, 2, 3])(y)
    y = L.GroupNormalization(groups=-1, epsilon=1e-5)(y)  # instance norm
    y = L.UnitNormalization(axis=[1, 2])(y)
    return keras.Model(inp, y), [_x((6, 6, 4))]


def layer_norm_axes():
    inp = keras.Input((3, 4, 5))
    a = L.LayerNormalization()(inp)
    b = L.LayerNormalization(axis=[-1, 1], center=False)(inp)
    c = L.LayerNormalization(axis=2, scale=False)(inp)
    return keras.Model(inp, [a, b, c]), [_x((3, 4, 5), scale=2.0)]


def embedding_sequence():
    inp = keras.Input((7,), dtype="int32")
    y = L.Embedding(20, 6)(inp)
    y = L.LayerNormalization(epsilon=1e-6)(y)
    y = L.Flatten()(y)
    y = L.Dense(4)(y)
    ids = np.random.default_rng(2).integers(0, 20, (3, 7)).astype("int32")
    return keras.Model(inp, y), [ids]


def embedding_mask_zero():
    inp = keras.Input((5,), dtype="int64")
    y = L.Embedding(9, 3, mask_zero=True)(inp)
    ids = np.random.default_rng(3).integers(0, 9, (3, 5)).astype("int64")
    return keras.Model(inp, y), [ids]


def rescale_normalize():
    data = np.random.default_rng(4).normal(3.0, 2.0, (50, 4, 3)).astype("float32")
    norm = L.Normalization(axis=-1)
    norm.adapt(data)
    norm2 = L.Normalization(axis=1)
    norm2.adapt(data)
    inp = keras.Input((4, 3))
    y = L.Rescaling(0.5, offset=1.0)(inp)
    a = norm(y)
    b = norm2(inp)
    c = L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25])(inp)
    d = L.Rescaling([1.0, -2.0, 0.5])(inp)
    e = L.Normalization(mean=2.0, variance=9.0, invert=True)(inp)
    f = L.Normalization(axis=None, mean=1.0, variance=0.0)(inp)  # std floored at 1e-7
    return keras.Model(inp, [a, b, c, d, e, f]), [data[:3]]


def normalization_constants_per_step():
    """Constants along a middle axis: no rescaling holds them, so they become weights."""
    inp = keras.Input((3, 2))
    y = L.Normalization(axis=1, mean=[1.0, 2.0, 3.0], variance=[1.0, 4.0, 9.0])(inp)
    return keras.Model(inp, y), [_x((3, 2))]


def normalization_invert():
    data = np.random.default_rng(5).normal(1.0, 3.0, (40, 5)).astype("float32")
    norm = L.Normalization(invert=True)
    norm.adapt(data)
    inp = keras.Input((5,))
    return keras.Model(inp, norm(inp)), [data[:3]]


def rescaling_int_image():
    inp = keras.Input((4, 4, 3), dtype="int32")
    y = L.Rescaling(1 / 255)(inp)
    y = L.Conv2D(2, 3)(y)
    y = L.Flatten()(y)
    img = np.random.default_rng(6).integers(0, 256, (3, 4, 4, 3)).astype("int32")
    return keras.Model(inp, y), [img]


def reshaping():
    inp = keras.Input((6,))
    y = L.Dense(4)(inp)
    y = L.RepeatVector(3)(y)  # (3, 4)
    y = L.Permute((2, 1))(y)  # (4, 3)
    y = L.Reshape((2, -1, 3))(y)  # (2, 2, 3)
    y = L.Conv2D(2, 1)(y)
    y = L.Reshape((8,))(y)
    return keras.Model(inp, y), [_x((6,))]


def flatten_channels_first():
    inp = keras.Input((3, 4, 2))
    y = L.Flatten(data_format="channels_first")(inp)
    y = L.Dense(3)(y)
    return keras.Model(inp, y), [_x((3, 4, 2))]


def training_only():
    """Every layer that is an identity at inference, in one chain."""
    inp = keras.Input((5, 4))
    y = L.Dropout(0.3, noise_shape=(None, 1, 4))(inp)
    y = L.SpatialDropout1D(0.2)(y)
    y = L.GaussianNoise(0.5)(y)
    y = L.GaussianDropout(0.2)(y)
    y = L.AlphaDropout(0.1)(y)
    y = L.ActivityRegularization(l1=0.01, l2=0.001)(y)
    y = L.Identity()(y)
    y = L.Dense(2)(y)
    z = L.Reshape((5, 2, 2))(inp)
    z = L.SpatialDropout2D(0.5)(z)
    return keras.Model(inp, [y, z]), [_x((5, 4))]


def merges():
    a, b, c = keras.Input((4, 3)), keras.Input((4, 3)), keras.Input((1, 3))
    outs = [
        L.Add()([a, b, c]),
        L.Subtract()([a, b]),
        L.Multiply()([a, c]),
        L.Average()([a, b, c]),
        L.Maximum()([a, b]),
        L.Minimum()([a, b, c]),
        L.Concatenate()([a, b]),
        L.Concatenate(axis=1)([a, b, c]),
        L.Dot(axes=2)([a, b]),
        L.Dot(axes=(1, 1), normalize=True)([a, b]),
    ]
    return keras.Model([a, b, c], outs), [_x((4, 3), 1), _x((4, 3), 2), _x((1, 3), 3)]


def dot_vectors():
    a, b = keras.Input((5,)), keras.Input((5,))
    return keras.Model([a, b], [L.Dot(1)([a, b]), L.Dot(-1, normalize=True)([a, b])]), [
        _x((5,), 1),
        _x((5,), 2),
    ]


def activation_layers():
    inp = keras.Input((3, 4))
    outs = [
        L.ReLU()(inp),
        L.ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5)(inp),
        L.ReLU(negative_slope=0.2, threshold=0.3)(inp),
        L.LeakyReLU()(inp),  # 0.3, not the activation function's 0.2
        L.LeakyReLU(negative_slope=0.05)(inp),
        L.PReLU()(inp),
        L.ELU()(inp),
        L.ELU(alpha=0.4)(inp),
        L.Softmax()(inp),
        L.Softmax(axis=1)(inp),
        L.Activation("leaky_relu")(inp),
    ]
    return keras.Model(inp, outs), [_x((3, 4), scale=2.0)]


def gelu_approximate():
    inp = keras.Input((6,))
    y = L.Dense(5)(inp)
    y = keras.ops.gelu(y, approximate=True)
    return keras.Model(inp, y), [_x((6,))]


def activation_by_name(name):
    def build():
        inp = keras.Input((3, 5))
        a = L.Activation(name)(inp)
        b = L.Dense(4, activation=name)(inp)
        return keras.Model(inp, [a, b]), [_x((3, 5), scale=2.0)]

    return build


CASES = [
    pytest.param(conv_bn_flatten, id="conv2d-batch_norm-relu-flatten-dense"),
    pytest.param(dense_bn_relu6, id="dense-batch_norm-relu6-dropout-softmax"),
    pytest.param(bn_variants, id="batch_norm-center-scale-axis"),
    pytest.param(norms, id="group_norm-prelu-layer_norm-instance_norm-unit_norm"),
    pytest.param(layer_norm_axes, id="layer_norm-axes"),
    pytest.param(embedding_sequence, id="embedding-layer_norm-flatten-dense"),
    pytest.param(embedding_mask_zero, id="embedding-mask_zero-int64"),
    pytest.param(rescale_normalize, id="rescaling-normalization-adapted"),
    pytest.param(normalization_invert, id="normalization-invert"),
    pytest.param(normalization_constants_per_step, id="normalization-constants-axis1"),
    pytest.param(rescaling_int_image, id="rescaling-int-image-conv"),
    pytest.param(reshaping, id="repeat_vector-permute-reshape"),
    pytest.param(flatten_channels_first, id="flatten-channels_first"),
    pytest.param(training_only, id="dropout-noise-regularization-identity"),
    pytest.param(merges, id="merge-layers"),
    pytest.param(dot_vectors, id="dot-vectors"),
    pytest.param(activation_layers, id="activation-layers"),
    pytest.param(gelu_approximate, id="keras_ops-gelu-approximate"),
    pytest.param(chain((4, 3), lambda: L.BatchNormalization(axis=1)), id="batch_norm-axis1-seq"),
    *[
        pytest.param(activation_by_name(name), id=f"activation-{name}")
        for name in ACTIVATION_NAMES
        if name not in ("gelu_approximate", "hard_sigmoid_keras2")  # no Keras 3 name
    ],
]


def keras_count(model, spec) -> int:
    """Keras' parameter count, plus the statistics of Normalization layers built with
    ``mean=`` and ``variance=`` that nnspec could not write as a rescaling: Keras keeps those
    as constants, nnspec as weights (with a count), like an adapted layer's."""
    extra = 0
    ops = {node.name: node.op for node in spec.nodes}
    for layer in model.layers:
        constants = type(layer).__name__ == "Normalization" and not layer.weights
        if constants and ops[layer.name] == "normalization":
            extra += 2 * int(np.prod(layer._mean_and_var_shape)) + 1
    return model.count_params() + extra


@pytest.mark.parametrize("build", CASES)
def test_keras_to_torch(build):
    kmodel, arrays = build()
    random_weights(kmodel)
    spec = nnspec.from_keras(kmodel)
    module = nnspec.to_torch(spec)
    assert_close(run_keras(kmodel, arrays), run_torch(module, arrays))
    assert keras_count(kmodel, spec) == spec.count_params() == torch_param_count(module)


@pytest.mark.parametrize("build", CASES)
def test_keras_round_trip_idempotent(build):
    """Keras -> spec -> Keras -> spec gives the same spec and weights; the rebuilt Keras
    model computes what the original does."""
    kmodel, arrays = build()
    random_weights(kmodel)
    spec = nnspec.from_keras(kmodel)
    rebuilt = nnspec.to_keras(spec)
    again = nnspec.from_keras(rebuilt)
    assert again.to_yaml().split("nodes:")[1] == spec.to_yaml().split("nodes:")[1]
    assert set(again.params) == set(spec.params)
    for key, value in spec.params.items():
        np.testing.assert_array_equal(again.params[key], value, err_msg=key)
    assert_close(run_keras(kmodel, arrays), run_keras(rebuilt, arrays))


def test_training_only_layers_are_identities_in_eval_and_active_in_train():
    import torch

    kmodel, x = training_only()
    spec = nnspec.from_keras(kmodel)
    source = nnspec.emit(spec, "torch")
    assert "nn.Dropout1d(0.2)" in source and "nn.Dropout2d(0.5)" in source
    forward = source.split("def forward")[1]
    assert "identity" not in forward and "activity" not in forward  # no line for these
    module = nnspec.to_torch(spec)
    assert_close(run_keras(kmodel, x), run_torch(module, x))  # eval: identities
    module.train()
    with torch.no_grad():
        trained = module(torch.from_numpy(x[0]))
    assert not np.allclose(trained[1].numpy(), run_torch(module.eval(), x)[1])
    assert (trained[1] == 0).float().mean().item() > 0.1  # whole channels dropped


def test_flatten_after_conv_permutes_the_dense_kernel_rows():
    """The flatten runs on the NCHW tensor (no permute at run time); the dense kernel's rows
    are permuted at conversion from Keras' (H, W, C) order to (C, H, W)."""
    kmodel, _ = conv_bn_flatten()
    random_weights(kmodel)
    spec = nnspec.from_keras(kmodel)
    module = nnspec.to_torch(spec)
    kernel = kmodel.layers[-1].get_weights()[0]
    h, w, c = kmodel.layers[-2].input.shape[1:]  # the flatten's input
    rows = kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(kernel.shape)
    weights = [p for n, p in module.named_parameters() if n.endswith("weight") and p.ndim == 2]
    np.testing.assert_array_equal(weights[-1].detach().numpy(), rows.T)
    forward = nnspec.emit(spec, "torch").split("def forward")[1]
    assert forward.count("permute") == 1  # the input only


def test_lambda_and_custom_layers_refused_in_one_message():
    class Doubler(L.Layer):  # traced, and refused: it branches on a tensor's value
        def compute_output_shape(self, shape):
            return shape

        def call(self, x):
            return x * 2 if keras.ops.max(x) > 0 else x

    inp = keras.Input((4,))
    y = L.Dense(3, name="dense_in")(inp)
    y = L.Lambda(lambda t: t + 1.0, name="plus_one")(y)
    y = Doubler(name="twice")(y)
    y = L.Dense(2)(y)
    model = keras.Model(inp, y)
    with pytest.raises(ConversionError) as info:
        nnspec.from_keras(model)
    message = str(info.value)
    for part in ("'plus_one'", "Lambda", "'twice'", "Doubler", "2 unsupported"):
        assert part in message, f"{part!r} missing from: {message}"
    assert "dense_in" not in message


def adapted(layer):
    layer.adapt(np.random.default_rng(7).normal(size=(10, 3, 4)).astype("float32"))
    return layer


@pytest.mark.filterwarnings("ignore:You passed `rms_scaling=True`")
@pytest.mark.parametrize(
    "make, key",
    [
        pytest.param(lambda: L.BatchNormalization(renorm=True), "renorm", id="batch_norm-renorm"),
        pytest.param(
            lambda: L.LayerNormalization(rms_scaling=True),
            "rms_scaling",
            id="layer_norm-rms_scaling",
        ),
        pytest.param(
            lambda: adapted(L.Normalization(axis=None)),
            "axis",
            id="normalization-adapted-axis-none",
        ),
        pytest.param(lambda: L.Softmax(axis=(1, 2)), "axis", id="softmax-two-axes"),
    ],
)
def test_unsupported_options_refused(make, key):
    inp = keras.Input((3, 4))
    layer = make()
    model = keras.Model(inp, layer(inp))
    with pytest.raises(ConversionError) as info:
        nnspec.from_keras(model)
    message = str(info.value)
    assert repr(layer.name) in message and key in message and type(layer).__name__ in message
