"""Keras functional models with keras.ops between layers -> spec tensor ops -> PyTorch, with
parity on two different inputs and equal parameter counts; refusals name the operation."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
ops = keras.ops
layers = keras.layers


def _check(model):
    rng = np.random.default_rng(0)
    shapes = [(2, *i.shape[1:]) for i in model.inputs]
    spec = nnspec.from_keras(model)
    module = nnspec.to_torch(spec)
    for scale in (1.0, 2.5):
        arrays = [(rng.normal(0, 1, s) * scale).astype("float32") for s in shapes]
        assert_close(run_keras(model, arrays), run_torch(module, arrays))
    fixed = sum(  # arrays in the Keras graph (a mask) are buffers of the PyTorch module
        spec.params[f"{n.name}/value"].size
        for n in spec.nodes
        if n.op == "constant" and not n.trainable
    )
    assert model.count_params() == torch_param_count(module) - fixed
    return spec


def _transformer_block():
    """Attention written in keras.ops between Dense layers, with a causal mask."""
    x = keras.Input((6, 8))
    q, k, v = (layers.Dense(8, name=n)(x) for n in "qkv")
    heads = [ops.transpose(ops.reshape(t, (-1, 6, 2, 4)), (0, 2, 1, 3)) for t in (q, k, v)]
    scores = ops.matmul(heads[0], ops.swapaxes(heads[1], -1, -2)) / 2.0
    mask = ops.cast(ops.tril(ops.ones((6, 6))), "bool")
    scores = ops.where(mask, scores, -1e9)
    att = ops.matmul(ops.softmax(scores, axis=-1), heads[2])
    y = ops.reshape(ops.transpose(att, (0, 2, 1, 3)), (-1, 6, 8))
    y = layers.Dense(8, name="out")(y) + x
    y = y / ops.sqrt(ops.mean(ops.square(y), axis=-1, keepdims=True) + 1e-6)  # RMS norm
    return keras.Model(x, y)


def _mixed_ops():
    x = keras.Input((5, 6))
    h = layers.Dense(6)(x)
    a = ops.expand_dims(ops.max(h, axis=1), 1)
    b = ops.stack([ops.relu(h), ops.silu(h)], axis=1)[:, 1]
    c = ops.where(ops.logical_or(h > 1.0, h < -1.0), ops.exp(ops.clip(h, -2, 2)), 0.0)
    d, e = ops.split(h, 2, axis=-1)
    f = ops.concatenate([e, d], axis=-1) * ops.cast(
        ops.argmax(h, axis=-1, keepdims=True), "float32"
    )
    g = ops.einsum("btf,bsf->bts", h, x)[:, :, :1]
    return keras.Model(x, layers.Dense(3)(a + b + c + f + g + ops.var(h, axis=1, keepdims=True)))


def _image_ops():
    x = keras.Input((6, 6, 4))
    y = layers.Conv2D(8, 3, padding="same")(x)
    y = ops.pad(y, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    y = ops.nn.depth_to_space(y, 2) if hasattr(ops.nn, "depth_to_space") else y
    y = layers.AdaptiveAveragePooling2D((5, 3))(y)
    y = ops.flip(y, axis=1) + ops.roll(y, 1, axis=2)
    return keras.Model(x, ops.mean(y, axis=(1, 2)))


def _sort_and_reverse():
    """Sorting and selection, running products, negative slice steps."""
    x = keras.Input((5, 6))
    h = layers.Dense(6)(x)
    values, indices = ops.top_k(h, 3)
    s = ops.sort(h, axis=1) + ops.cast(ops.argsort(h, axis=-1), "float32")
    c = ops.moveaxis(ops.cumprod(ops.tanh(h), axis=1), 1, 2)  # (N, 6, 5)
    r = h[:, ::-1] + h[:, 4:0:-2][:, :1] + ops.moveaxis(c, 2, 1)
    y = ops.concatenate([values, ops.cast(indices, "float32")], axis=-1)
    return keras.Model(x, layers.Dense(3)(ops.concatenate([s + r, y], axis=-1)))


MODELS = {
    "transformer_block": _transformer_block,
    "mixed_ops": _mixed_ops,
    "image_ops": _image_ops,
    "sort_and_reverse": _sort_and_reverse,
}


@pytest.mark.parametrize("name", list(MODELS))
def test_keras_ops_model_to_torch(name):
    spec = _check(MODELS[name]())
    assert any(getattr(type(n), "tensor_op", False) for n in spec.nodes)


def test_keras_ops_refusal_names_the_operation():
    x = keras.Input((4, 3))
    model = keras.Model(x, ops.sum(x))  # reduces the batch too
    with pytest.raises(ConversionError, match=r"operation 'sum(_\d+)?' \(keras.ops Sum\).*batch"):
        nnspec.from_keras(model)
