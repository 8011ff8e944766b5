"""Every keras.layers class that Keras lets read a mask (a ``mask`` / ``*_mask`` call
argument, or masks read in ``call`` as the merge layers do) gets a model here where a padding
mask reaches it, and converts with parity on padded batches, or is refused by name. A class
Keras adds later fails ``test_every_mask_consumer_has_a_case`` until it gets one."""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest
from keras_layer_check import check, randomise

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
layers = keras.layers
ops = keras.ops

# Two batches with different padding; the second input's differs from the first's.
IDS = np.array([[3, 5, 2, 0, 0, 0], [7, 1, 4, 4, 9, 2], [6, 0, 0, 0, 0, 0]], dtype="int32")
IDS_B = np.array([[3, 1, 0, 0, 0, 0], [7, 1, 4, 0, 0, 0], [6, 1, 2, 3, 8, 0]], dtype="int32")
SECOND = [IDS[::-1].copy(), np.roll(IDS_B, 1, axis=0)]


def _embedded(mask_b: bool = True):
    a, b = keras.Input((6,), dtype="int32"), keras.Input((6,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(a)
    y = layers.Embedding(10, 4, mask_zero=mask_b)(b)
    return [a, b], x, y


def _pooled(make):
    """The mask reaches ``make``'s layer, and then a masked mean (which reads its output's
    mask, so a wrong mask there shows too)."""

    def build():
        ins, x, y = _embedded()
        return keras.Model(ins, make(x, y))

    return build


def _merge(cls, **kw):
    return _pooled(lambda x, y: layers.GlobalAveragePooling1D()(cls(**kw)([x, y])))


def _one_mask_merge(cls):
    def build():
        ins, x, y = _embedded(mask_b=False)
        return keras.Model(ins, cls()([x, y]))

    return build


def _masking_into(cls):
    """Masking's ``any(not_equal(x, 0), -1)`` mask, merged with an Embedding's."""

    def build():
        ins, x, _ = _embedded()
        kept = ops.cast(ops.expand_dims(ops.not_equal(ins[1], 0), -1), "float32")
        zeroed = layers.Multiply()([layers.Embedding(10, 4)(ins[1]), kept])  # padded rows: 0
        masked = layers.Masking(0.0)(zeroed)
        return keras.Model(ins, layers.GlobalAveragePooling1D()(cls()([x, masked])))

    return build


class _Encoder(layers.Layer):
    """A transformer block combining the padding mask with ops.logical_or / logical_and."""

    def __init__(self, combine: str = "or", **kw):
        super().__init__(**kw)
        self.combine = combine
        self.attention = layers.MultiHeadAttention(2, 2)
        self.norm = layers.LayerNormalization()

    def build(self, shape):
        self.attention.build(shape, shape)
        self.norm.build(shape)

    def call(self, x, mask=None):
        rows, columns = mask[:, :, None], mask[:, None, :]
        if self.combine == "or":
            pair = ops.logical_or(columns, ops.logical_not(rows))
        else:
            pair = ops.logical_and(columns, rows)
        return self.norm(x + self.attention(x, x, attention_mask=pair))

    def compute_mask(self, x, mask=None):
        return mask


def _cases():
    gap = layers.GlobalAveragePooling1D
    parity = {
        "Add": _merge(layers.Add),
        "Subtract": _merge(layers.Subtract),
        "Multiply": _merge(layers.Multiply),
        "Average": _merge(layers.Average),
        "Maximum": _merge(layers.Maximum),
        "Minimum": _merge(layers.Minimum),
        "Concatenate": _merge(layers.Concatenate, axis=1),  # the time axis: masks joined
        "Dot": _pooled(lambda x, y: layers.Dot(axes=2)([x, y])),
        "GlobalAveragePooling1D": _pooled(lambda x, y: gap()(layers.Add()([x, y]))),
        "Softmax": _pooled(
            lambda x, y: layers.Softmax()(layers.Dense(6)(layers.Maximum()([x, y])))
        ),
        "BatchNormalization": _pooled(lambda x, y: gap()(layers.BatchNormalization()(x))),
        "LSTM": _pooled(lambda x, y: layers.LSTM(3)(layers.Add()([x, y]))),
        "GRU": _pooled(lambda x, y: layers.GRU(3)(x)),
        "SimpleRNN": _pooled(lambda x, y: layers.SimpleRNN(3)(x)),
        "RNN": _pooled(lambda x, y: layers.RNN(layers.SimpleRNNCell(3))(x)),
        "Bidirectional": _pooled(lambda x, y: layers.Bidirectional(layers.LSTM(2))(x)),
        "TimeDistributed": _pooled(lambda x, y: gap()(layers.TimeDistributed(layers.Dense(3))(x))),
        "MultiHeadAttention": _pooled(
            lambda x, y: gap()(layers.MultiHeadAttention(2, 2)(layers.Add()([x, y]), y))
        ),
        "GroupQueryAttention": _pooled(
            lambda x, y: gap()(layers.GroupQueryAttention(2, 4, 2)(x, layers.Multiply()([x, y])))
        ),
        "Attention": _pooled(
            lambda x, y: gap()(layers.Attention(use_scale=True)([layers.Minimum()([x, y]), y]))
        ),
        "AdditiveAttention": _pooled(
            lambda x, y: gap()(layers.AdditiveAttention(dropout=0.2)([x, y], use_causal_mask=True))
        ),
        "encoder_logical_or": _pooled(lambda x, y: gap()(_Encoder("or")(x))),
        "encoder_logical_and": _pooled(lambda x, y: gap()(_Encoder("and")(layers.Add()([x, y])))),
        "one_mask_multiply": _one_mask_merge(layers.Multiply),
        "one_mask_concatenate_features": _pooled(
            lambda x, y: gap()(layers.Concatenate()([x, layers.Dense(3)(y)]))
        ),
        "masking_layer_into_maximum": _masking_into(layers.Maximum),
        "one_mask_maximum": _one_mask_merge(layers.Maximum),
    }

    def conv_lstm():
        # A Masking layer's mask is per cell (N, T, H, W), which no spec op computes; a
        # (N, T) step mask converts (tests/parity/test_conv_lstm.py), and Reshape after an
        # Embedding drops its mask in Keras.
        frames = keras.Input((3, 2, 2, 1))
        return keras.Model(frames, layers.ConvLSTM2D(2, 1)(layers.Masking()(frames)))

    def lambda_layer():
        ins, x, _ = _embedded()
        return keras.Model(ins[0], layers.Lambda(lambda t: t * 2)(x))

    refused = {
        "ConvLSTM1D": (conv_lstm, r"ConvLSTM2D|mask"),  # one of the three stands for all
        "ConvLSTM2D": (conv_lstm, r"ConvLSTM2D|mask"),
        "ConvLSTM3D": (conv_lstm, r"ConvLSTM2D|mask"),
        "Lambda": (lambda_layer, r"Lambda"),
    }
    return parity, refused


# Pipeline reads a mask only to hand it to its layers, and is refused whatever it holds
# (frontends/keras/refused.py): no model with it reaches the mask question.
_NOT_BUILT = {"Pipeline"}


@functools.cache
def _file_text(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _source(cls) -> str:
    """The source file of ``cls`` (a whole file: cheaper than inspect.getsource per class)."""
    return _file_text(inspect.getsourcefile(cls))


def _mask_readers() -> set[str]:
    """keras.layers classes whose ``call`` takes a mask, or that read masks in ``call``."""
    found = set()
    for name in dir(layers):
        cls = getattr(layers, name)
        if not (isinstance(cls, type) and issubclass(cls, layers.Layer)) or cls.__name__ != name:
            continue
        params = inspect.signature(cls.call).parameters
        own = [c for c in cls.__mro__ if c is not layers.Layer and issubclass(c, layers.Layer)]
        reads = any("get_keras_mask" in _source(c) for c in own)
        if reads or any(p == "mask" or p.endswith("_mask") for p in params):
            found.add(name)
    return found


def test_every_mask_consumer_has_a_case():
    parity, refused = _cases()
    assert _mask_readers() - _NOT_BUILT == set(parity) & _mask_readers() | set(refused)


_PARITY, _REFUSED = _cases()
_SLOW = (
    {"Subtract", "Average", "Dot", "BatchNormalization", "GRU", "SimpleRNN", "RNN"}
    | {"Bidirectional", "TimeDistributed", "GroupQueryAttention", "encoder_logical_and"}
    | {"one_mask_multiply"}
)


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in _SLOW else n for n in _PARITY],
)
def test_mask_reaching_consumer_converts_with_parity(name):
    model = _PARITY[name]()
    randomise(model)
    arrays = [IDS, IDS_B][: len(model.inputs)]
    check(model, arrays)
    check(model, SECOND[: len(model.inputs)])  # another padding pattern


@pytest.mark.parametrize("name", sorted(_REFUSED))
def test_mask_reaching_consumer_refused_by_name(name):
    build, pattern = _REFUSED[name]
    with pytest.raises(ConversionError, match=pattern):
        nnspec.from_keras(build())
