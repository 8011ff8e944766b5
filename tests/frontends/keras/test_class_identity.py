"""A class name is not an identity: only Keras' own classes reach a layer converter."""

import keras
import numpy as np
import pytest

import nnspec
from nnspec.spec.errors import ConversionError

L = keras.layers


class Conv2D(L.Conv2D):  # weight standardisation: the stock name, another computation
    def call(self, x):
        k = self.kernel
        mean = keras.ops.mean(k, axis=(0, 1, 2), keepdims=True)
        std = keras.ops.std(k, axis=(0, 1, 2), keepdims=True)
        y = keras.ops.conv(x, (k - mean) / (std + 1e-5), padding="same")
        return y + self.bias


class Dense(L.Dense):  # changes only its constructor
    def __init__(self, **kwargs):
        super().__init__(units=3, **kwargs)


class LSTMCell(L.LSTMCell):
    def call(self, *args, **kwargs):
        return super().call(*args, **kwargs)


def _model(layer, shape):
    x = keras.Input(shape)
    return keras.Model(x, layer(x))


def test_shadowed_conv2d_with_own_call_is_traced():
    import torch

    model = _model(Conv2D(4, 3, padding="same", name="ws_conv"), (8, 8, 3))
    model.layers[-1].bias.assign(np.linspace(-1, 1, 4).astype("float32"))
    spec = nnspec.from_keras(model)
    assert "ws_conv" not in [n.name for n in spec.nodes]  # not one stock conv2d node
    assert any(n.name.startswith("ws_conv_") and n.op == "conv2d" for n in spec.nodes)
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    with torch.no_grad():
        out = nnspec.to_torch(spec)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, np.asarray(model(x)), atol=1e-4)
    stock = L.Conv2D(4, 3, padding="same")
    stock.build((None, 8, 8, 3))
    stock.set_weights(model.layers[-1].get_weights())
    assert np.abs(np.asarray(stock(x)) - out).max() > 0.1  # its own call, not stock Conv2D


def test_stock_classes_are_recognised_by_object():
    from nnspec.frontends.keras.registry import layer_key, stock_class

    assert stock_class(L.Conv2D) and layer_key(L.Conv2D(1, 1)) == "Conv2D"
    assert not stock_class(Conv2D)
    assert layer_key(Conv2D(1, 1)) == f"{__name__}.Conv2D"

    class Fake(L.Dense):  # pretends to live in Keras' module
        pass

    Fake.__module__, Fake.__qualname__ = L.Dense.__module__, "Dense"
    assert not stock_class(Fake)


def test_subclass_changing_only_the_constructor_is_refused_with_the_reason():
    with pytest.raises(ConversionError, match="only Keras' own classes"):
        nnspec.from_keras(_model(Dense(name="d"), (4,)))


def test_custom_cell_inside_stock_rnn_is_refused():
    model = _model(L.RNN(LSTMCell(3), name="rnn"), (5, 2))
    with pytest.raises(ConversionError, match=r"'rnn'.*sublayer.*overrides call"):
        nnspec.from_keras(model)


def test_custom_layer_inside_time_distributed_is_refused():
    model = _model(L.TimeDistributed(Dense(name="inner"), name="td"), (5, 2))
    with pytest.raises(ConversionError, match=r"'td'.*sublayer 'inner'"):
        nnspec.from_keras(model)


def test_custom_layer_named_input_layer_is_not_skipped():
    class InputLayer(L.Layer):
        def call(self, x):
            return x * 2.0

    spec = nnspec.from_keras(_model(InputLayer(name="twice"), (4,)))
    assert [n.name.split("_")[0] for n in spec.nodes] == ["twice"]  # traced: x * 2.0


def test_stock_conv2d_still_converts():
    model = _model(L.Conv2D(4, 3, padding="same"), (8, 8, 3))
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 3)).astype("float32")
    spec = nnspec.from_keras(model)
    got = nnspec.to_torch(spec)
    import torch

    with torch.no_grad():
        out = got(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(out, np.asarray(model(x)), atol=1e-5)
