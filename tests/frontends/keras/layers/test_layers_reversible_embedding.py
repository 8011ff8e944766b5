"""ReversibleEmbedding called in reverse (the tied or untied LM head, optionally soft-capped):
parity, and the tied matrix counted once."""

from __future__ import annotations

import numpy as np
import pytest
from keras_layer_check import check, randomise

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
layers = keras.layers

IDS = np.array([[3, 5, 2, 0], [7, 1, 4, 4]], dtype="int32")


def _lm(**kw):
    ids = keras.Input((4,), dtype="int32")
    emb = layers.ReversibleEmbedding(10, 6, **kw)
    hidden = layers.Dense(6, activation="tanh")(emb(ids))
    return keras.Model(ids, emb(hidden, reverse=True))


@pytest.mark.parametrize(
    "kw",
    [{}, {"tie_weights": False}, {"logit_soft_cap": 2.0}],
    ids=["tied", "untied", "soft_cap"],
)
def test_reverse_call_parity(kw):
    model = _lm(**kw)
    randomise(model)
    spec = check(model, [IDS])
    constants = [n for n in spec.nodes if n.op == "constant" and n.trainable]
    assert len(constants) == (1 if kw.get("tie_weights", True) else 2)  # tied: one matrix


def test_reverse_with_padding_mask_refused():
    with pytest.raises(ConversionError, match="mask_zero"):
        nnspec.from_keras(_lm(mask_zero=True))
