"""keras-hub backbones at tiny configurations with random weights (no presets, no download):
Keras -> spec -> PyTorch with parity on token ids with padding masks (and on images), and
equal parameter counts. Their layers are keras-hub classes, so they go through the custom
layer tracer (frontends/keras/trace.py). Text backbones are converted at a fixed sequence
length: their graph is rebuilt on static-length inputs (``keras.models.clone_model`` with
the same layers), since their position tables and causal masks are computed from it."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, keras_count_of, run_keras, run_torch

import nnspec

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
keras_hub = pytest.importorskip("keras_hub")  # the optional `hub` extra

VOCAB, SEQ = 50, 12
M = keras_hub.models


def _static(backbone, seq: int = SEQ):
    """The backbone's functional graph rebuilt on inputs of a fixed sequence length."""
    inputs = {
        k: keras.Input(batch_shape=(None, seq), dtype=t.dtype, name=k)
        for k, t in backbone.input.items()
    }
    clone = keras.models.clone_model(backbone, input_tensors=inputs, clone_function=lambda x: x)
    return keras.Model(clone.inputs, clone.outputs, name=backbone.name)  # positional inputs


def _randomize(model, seed: int = 0) -> None:
    """Random weights everywhere (Keras zeros biases and ones norm scales)."""
    rng = np.random.default_rng(seed)
    for v in model.weights:
        if "float" in str(v.dtype):
            value = rng.normal(0, 0.3, v.shape)
            if v.path.endswith("variance"):
                value = 1.0 + np.abs(value)
            v.assign(value.astype(str(v.dtype)))


def _text_inputs(model, seed: int):
    rng = np.random.default_rng(seed)
    lengths = np.array([SEQ, SEQ - 4, 3])  # padded rows
    mask = (np.arange(SEQ)[None, :] < lengths[:, None]).astype("int32")
    arrays = {
        "token_ids": (rng.integers(1, VOCAB, (3, SEQ)) * mask).astype("int32"),
        "padding_mask": mask,
        "segment_ids": (np.arange(SEQ)[None, :] >= SEQ // 2).astype("int32").repeat(3, 0),
    }
    return [arrays[t.name] for t in model.inputs]


def _check(model, make_inputs):
    _randomize(model)
    spec = nnspec.from_keras(model)
    module = nnspec.to_torch(spec)
    outputs = []
    for seed in (1, 2):  # two different inputs (and each run's own second input)
        x = make_inputs(model, seed)
        ref, got = run_keras(model, x), run_torch(module, x)
        assert_close(ref, got)
        outputs.append(ref[0])
    assert not np.allclose(outputs[0], outputs[1])
    # an untied ReversibleEmbedding's reverse_embeddings serve the LM head only, not the
    # backbone's forward: the spec has no node that reads them
    unused = sum(int(np.prod(v.shape)) for v in model.weights if "reverse_embeddings" in v.path)
    assert keras_count_of(module, spec, model) == model.count_params() - unused
    return spec


def _image_inputs(model, seed: int):
    shape = (2, *model.inputs[0].shape[1:])
    return [np.random.default_rng(seed).normal(0, 1, shape).astype("float32")]


def test_vit_backbone():
    model = M.ViTBackbone(
        image_shape=(16, 16, 3), patch_size=4, num_layers=2, num_heads=2, hidden_dim=8, mlp_dim=16
    )
    spec = _check(model, _image_inputs)
    assert any(n.name.startswith("vit_patching_and_embedding_") for n in spec.nodes)


TEXT = {
    "bert": lambda: M.BertBackbone(
        vocabulary_size=VOCAB,
        num_layers=2,
        num_heads=2,
        hidden_dim=8,
        intermediate_dim=16,
        max_sequence_length=SEQ,
    ),
    "gpt2": lambda: M.GPT2Backbone(
        vocabulary_size=VOCAB,
        num_layers=2,
        num_heads=2,
        hidden_dim=8,
        intermediate_dim=16,
        max_sequence_length=SEQ,
    ),
    "llama": lambda: M.LlamaBackbone(
        vocabulary_size=VOCAB,
        num_layers=2,
        num_query_heads=2,
        num_key_value_heads=1,
        hidden_dim=8,
        intermediate_dim=16,
    ),
    "gemma": lambda: M.GemmaBackbone(
        vocabulary_size=VOCAB,
        num_layers=2,
        num_query_heads=2,
        num_key_value_heads=1,
        hidden_dim=8,
        intermediate_dim=16,
        head_dim=4,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(TEXT))
def test_text_backbone(name):
    _check(_static(TEXT[name]()), _text_inputs)


@pytest.mark.slow
def test_resnet_backbone():
    model = M.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[7],
        stackwise_num_filters=[64, 32],
        stackwise_num_blocks=[1, 1],
        stackwise_num_strides=[1, 2],
        block_type="basic_block",
        image_shape=(32, 32, 3),
    )
    _check(model, _image_inputs)
