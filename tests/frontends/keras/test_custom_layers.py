"""Custom Keras layers from the official examples, traced through keras.ops (trace.py):
Keras -> spec -> PyTorch and spec -> Keras with parity on two inputs and equal parameter
counts; layers that cannot be traced are refused naming the layer and the reason."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, keras_count_of, run_keras, run_torch, torch_param_count

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
ops = keras.ops
layers = keras.layers


class Patches(layers.Layer):  # keras.io vision/image_classification_with_vision_transformer
    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, images):
        shape = ops.shape(images)
        rows, cols, channels = shape[1] // self.patch_size, shape[2] // self.patch_size, shape[3]
        patches = ops.image.extract_patches(images, size=self.patch_size)
        return ops.reshape(patches, (-1, rows * cols, self.patch_size**2 * channels))


class PatchEncoder(layers.Layer):
    def __init__(self, num_patches, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_patches = num_patches
        self.projection = layers.Dense(units=projection_dim)
        self.position_embedding = layers.Embedding(num_patches, projection_dim)

    def call(self, patch):
        positions = ops.expand_dims(ops.arange(start=0, stop=self.num_patches, step=1), axis=0)
        return self.projection(patch) + self.position_embedding(positions)


class ReflectionPadding2D(layers.Layer):  # keras.io generative/cyclegan
    def __init__(self, padding=(1, 1), **kwargs):
        self.padding = tuple(padding)
        super().__init__(**kwargs)

    def call(self, input_tensor, mask=None):
        w, h = self.padding
        pads = [[0, 0], [h, h], [w, w], [0, 0]]
        return ops.pad(input_tensor, pads, mode="reflect")


class TransformerBlock(layers.Layer):  # keras.io nlp/text_classification_with_transformer
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential(
            [layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)]
        )
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs, training=False):
        attn_output = self.att(inputs, inputs)
        attn_output = self.dropout1(attn_output, training=training)
        out1 = self.layernorm1(inputs + attn_output)
        ffn_output = self.ffn(out1)
        ffn_output = self.dropout2(ffn_output, training=training)
        return self.layernorm2(out1 + ffn_output)


class TokenAndPositionEmbedding(layers.Layer):
    def __init__(self, maxlen, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = self.pos_emb(ops.arange(start=0, stop=maxlen, step=1))
        return self.token_emb(x) + positions


class WSConv2D(layers.Conv2D):  # keras.io vision/bit: weight-standardised convolution
    def call(self, inputs):
        mean, var = ops.moments(self.kernel, axes=[0, 1, 2], keepdims=True)
        kernel = (self.kernel - mean) / ops.sqrt(var + 1e-10)
        return ops.conv(inputs, kernel, strides=self.strides, padding=self.padding) + self.bias


class Conv2D(layers.Conv2D):  # the stock name, another computation
    def call(self, x):
        return ops.relu(super().call(x)) * 0.5


class Scale(layers.Layer):  # its own variables, read by ops
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 3), initializer="random_normal")
        self.b = self.add_weight(shape=(3,), initializer="random_normal")

    def call(self, x):
        return ops.tanh(ops.matmul(x, self.w) + self.b) + ops.einsum("btf,fg->btg", x, self.w)


def _vit():
    x = keras.Input((8, 8, 3))
    p = Patches(4, name="patches")(x)
    return keras.Model(x, PatchEncoder(4, 6, name="patch_encoder")(p))


def _reflect():
    x = keras.Input((6, 5, 2))
    y = ReflectionPadding2D((1, 2), name="reflect")(x)
    return keras.Model(x, layers.Conv2D(3, 3, name="conv")(y))


def _transformer():
    ids = keras.Input((7,), dtype="int32")
    h = TokenAndPositionEmbedding(7, 20, 8, name="embed")(ids)
    h = TransformerBlock(8, 2, 16, name="block")(h)
    return keras.Model(ids, layers.Dense(2)(layers.GlobalAveragePooling1D()(h)))


def _ws_conv():
    x = keras.Input((6, 6, 3))
    return keras.Model(x, WSConv2D(4, 3, padding="same", name="ws")(x))


def _shadowed_conv2d():
    x = keras.Input((6, 6, 3))
    return keras.Model(x, Conv2D(4, 3, name="conv")(x))


def _variables():
    x = keras.Input((5, 4))
    return keras.Model(x, Scale(name="scale")(x))


MODELS = {
    "vit_patches": _vit,
    "reflection_padding": _reflect,
    "transformer": _transformer,
    "ws_conv": _ws_conv,
    "shadowed_conv2d": _shadowed_conv2d,
    "own_variables": _variables,
}


def _inputs(model, scale: float):
    rng = np.random.default_rng(int(scale * 10))
    out = []
    for t in model.inputs:
        shape = (2, *t.shape[1:])
        if "int" in str(t.dtype):
            out.append(rng.integers(0, 20, shape).astype("int32"))
        else:
            out.append((rng.normal(0, 1, shape) * scale).astype("float32"))
    return out


def _randomize_biases(model):
    for v in model.weights:  # Keras initialises biases to zero: make them count
        if v.path.endswith(("bias", "beta")):
            v.assign(np.random.default_rng(3).normal(0, 0.5, v.shape).astype("float32"))


@pytest.fixture(params=list(MODELS), scope="module")
def case(request):
    model = MODELS[request.param]()
    _randomize_biases(model)
    return request.param, model, nnspec.from_keras(model)


def test_custom_layer_to_torch(case):
    name, model, spec = case
    module = nnspec.to_torch(spec)
    for scale in (1.0, 2.5):  # two different inputs (and each run's own second input)
        x = _inputs(model, scale)
        assert_close(run_keras(model, x), run_torch(module, x))
    if name == "ws_conv":  # the standardised kernel is the conv's parameter, not a buffer
        assert torch_param_count(module) == model.count_params()
    else:
        assert keras_count_of(module, spec, model) == model.count_params()


def test_custom_layer_spec_to_keras(case):
    _, model, spec = case
    rebuilt = nnspec.to_keras(spec)
    for scale in (1.0, 2.5):
        x = _inputs(model, scale)
        assert_close(run_keras(model, x), run_keras(rebuilt, x))
    assert rebuilt.count_params() == model.count_params()


def test_traced_nodes_carry_the_layer_name(case):
    name, model, spec = case
    custom = [
        layer.name
        for layer in model.layers
        if type(layer).__module__ == __name__  # the classes of this file
    ]
    names = [n.name for n in spec.nodes]
    for layer in custom:
        assert any(n.startswith(layer + "_") for n in names), (name, layer, names)


def test_shadowed_conv2d_computes_its_own_call():
    model = _shadowed_conv2d()
    _randomize_biases(model)
    x = _inputs(model, 1.0)
    module = nnspec.to_torch(nnspec.from_keras(model))
    stock = layers.Conv2D(4, 3)
    stock.build((None, 6, 6, 3))
    stock.set_weights(model.layers[-1].get_weights())
    got = run_torch(module, x)
    assert_close(run_keras(model, x), got)
    assert float(np.abs(np.asarray(stock(x[0])) - got[0]).max()) > 0.1  # not stock Conv2D


class Sampling(layers.Layer):  # keras.io generative/vae
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        epsilon = keras.random.normal(shape=ops.shape(z_mean), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class FixedNoise(layers.Layer):  # random numbers of a static shape: no error to catch
    def call(self, x):
        return x + keras.random.normal((4,))


class Branching(layers.Layer):
    def compute_output_shape(self, shape):  # Keras itself cannot infer it
        return shape

    def call(self, x):
        if ops.mean(x) > 0:
            return x
        return -x


class TrainingBranch(layers.Layer):
    def call(self, x, training=False):
        return x * 2.0 if training else x + 1.0


class CallsTensorFlow(layers.Layer):
    def call(self, x):
        import tensorflow as tf

        return tf.nn.relu(x)


def _refused(layer, shape, *parts):
    x = keras.Input(shape)
    if isinstance(layer, Sampling):
        model = keras.Model(x, layer([layers.Dense(2)(x), layers.Dense(2)(x)]))
    else:
        model = keras.Model(x, layer(x))
    with pytest.raises(ConversionError) as info:
        nnspec.from_keras(model)
    message = str(info.value)
    for part in (repr(layer.name), *parts):
        assert part in message, f"{part!r} missing from: {message}"


@pytest.mark.parametrize(
    ("layer", "reason"),
    [
        (Sampling(name="sampling"), "random at inference"),
        (FixedNoise(name="noise"), "random at inference"),
        (Branching(name="branchy"), "branches on tensor values"),
        (TrainingBranch(name="trainy"), "training argument changes more than dropout"),
        (CallsTensorFlow(name="tfcall"), "TensorFlow directly"),
    ],
)
def test_untraceable_layers_are_refused_with_the_reason(layer, reason):
    _refused(layer, (4,), reason)


def test_every_refused_layer_is_listed_in_one_message():
    x = keras.Input((4,))
    y = Branching(name="b1")(CallsTensorFlow(name="t1")(x))
    with pytest.raises(ConversionError, match=r"2 unsupported.*'t1'.*TensorFlow.*'b1'"):
        nnspec.from_keras(keras.Model(x, y))


def test_lambda_stays_refused():
    x = keras.Input((4,))
    with pytest.raises(ConversionError, match="Lambda|arbitrary Python"):
        nnspec.from_keras(keras.Model(x, layers.Lambda(lambda t: t * 2)(x)))


class TinyNet(keras.Model):  # a subclassed model
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(6, activation="relu")
        self.scale = Scale()
        self.out = layers.Dense(2)

    def call(self, x):
        return self.out(ops.mean(self.scale(ops.expand_dims(self.dense(x), 1)), axis=1))


def test_subclassed_model_converts():
    model = TinyNet(name="tiny")
    model(np.zeros((1, 5), "float32"))
    _randomize_biases(model)
    spec = nnspec.from_keras(model)
    assert [i.shape for i in spec.inputs.values()] == [["batch", 5]]  # from its build shape
    module = nnspec.to_torch(spec)
    for scale in (1.0, 2.5):
        x = [(np.random.default_rng(7).normal(0, scale, (2, 5))).astype("float32")]
        assert_close(run_keras(model, x), run_torch(module, x))
    assert keras_count_of(module, spec, model) == model.count_params()


def test_unbuilt_subclassed_model_is_refused():
    with pytest.raises(ConversionError, match="'tiny2'.*not been built"):
        nnspec.from_keras(TinyNet(name="tiny2"))
