"""Whole hand-written models: PyTorch -> spec -> Keras and PyTorch -> spec -> PyTorch with the
same outputs (NCHW in, as PyTorch takes them) and the same parameter counts."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec

torch = pytest.importorskip("torch")
pytest.importorskip("keras")

sys.path.insert(0, str(Path(__file__).parent))
from torch_models import (
    BiLSTMClassifier,
    BiLSTMTagger,
    MobileNetV2,
    ResNet18,
    randomize_batch_norm,
)


def _images(shape=(2, 3, 32, 32), seed=1):
    return np.random.default_rng(seed).normal(size=shape).astype(np.float32)


def _ids(shape, vocab, seed=1):
    return np.random.default_rng(seed).integers(0, vocab, shape).astype(np.int64)


MODELS = {
    "resnet18": (lambda: randomize_batch_norm(ResNet18()), lambda: [_images()], 0),
    "mobilenet_v2": (lambda: randomize_batch_norm(MobileNetV2()), lambda: [_images()], 0),
    # The spec's LSTM has one bias where PyTorch has two (bias_ih + bias_hh are summed):
    # 2 layers x 2 directions x 4 gates x 12 units fewer parameters.
    "bilstm_classifier": (BiLSTMClassifier, lambda: [_ids((2, 10), 50)], 2 * 2 * 4 * 12),
    "bilstm_tagger_time_major": (BiLSTMTagger, lambda: [_ids((2, 7), 40)], 2 * 4 * 6),
}


@pytest.fixture(scope="module", params=list(MODELS))
def converted(request):
    make, inputs, param_diff = MODELS[request.param]
    torch.manual_seed(0)
    module = make().eval()
    arrays = inputs()
    spec = nnspec.from_torch(module, [torch.from_numpy(a) for a in arrays])
    return request.param, module, arrays, spec, param_diff


def test_to_keras(converted):
    _, module, arrays, spec, param_diff = converted
    kmodel = nnspec.to_keras(spec)
    assert_close(run_torch(module, arrays), run_keras(kmodel, arrays))
    assert kmodel.count_params() == spec.count_params() == torch_param_count(module) - param_diff


def test_to_torch(converted):
    _, module, arrays, spec, param_diff = converted
    rebuilt = nnspec.to_torch(spec)
    assert_close(run_torch(module, arrays), run_torch(rebuilt, arrays))
    assert torch_param_count(rebuilt) == torch_param_count(module) - param_diff


@pytest.mark.slow
def test_spec_round_trips_through_yaml(converted, tmp_path):
    _, module, arrays, spec, _ = converted
    spec.save(tmp_path / "model.yaml")
    back = nnspec.load(tmp_path / "model.yaml")
    assert back.to_yaml() == spec.to_yaml()
    rebuilt = nnspec.to_torch(back)
    assert_close(run_torch(module, arrays), run_torch(rebuilt, arrays))


def test_resnet_layout_bookkeeping():
    """One transpose at the input, channels-last inside, no transpose before the Linear."""
    spec = nnspec.from_torch(randomize_batch_norm(ResNet18()), torch.randn(2, 3, 32, 32))
    permutes = [n for n in spec.nodes if n.op == "permute"]
    assert [n.inputs for n in permutes] == [["x"]]
    assert spec.inputs["x"].shape == ["batch", 3, 32, 32]


def test_channels_last_inputs():
    """input_layout="channels_last": the spec (and Keras) take NHWC; no permute at all, and
    the flatten before the Linear still matches."""
    nn = torch.nn
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Conv2d(3, 8, 3, stride=2, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(3, 2, 1),
        nn.Flatten(),
        nn.Linear(8 * 4 * 4, 5),
    )
    module = randomize_batch_norm(module)
    x = _images((2, 3, 16, 16))
    spec = nnspec.from_torch(module, torch.from_numpy(x), input_layout="channels_last")
    assert spec.inputs["input"].shape == ["batch", 16, 16, 3]  # Sequential.forward(input)
    assert not [n for n in spec.nodes if n.op == "permute"]
    nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    assert_close(run_torch(module, [x]), run_keras(nnspec.to_keras(spec), [nhwc]))


def test_channels_last_outputs_of_a_feature_map():
    """Outputs of rank >= 3 follow output_layout (default: input_layout)."""
    conv = torch.nn.Conv2d(3, 4, 3, padding=1).eval()
    x = _images((2, 3, 6, 6))
    ref = run_torch(conv, [x])
    nchw = nnspec.from_torch(conv, torch.from_numpy(x))
    assert_close(ref, run_keras(nnspec.to_keras(nchw), [x]))
    nhwc = nnspec.from_torch(conv, torch.from_numpy(x), input_layout="channels_last")
    got = run_keras(nnspec.to_keras(nhwc), [np.ascontiguousarray(x.transpose(0, 2, 3, 1))])
    assert_close([r.transpose(0, 2, 3, 1) for r in ref], got)


def test_flatten_before_linear_permutes_the_kernel_rows():
    """The trap: flatten of a channels-first map. The spec flattens channels-last and the
    Linear's kernel rows are permuted, instead of transposing the activations."""
    nn = torch.nn
    module = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    module.eval()
    spec = nnspec.from_torch(module, torch.randn(2, 3, 6, 6))
    ops = [n.op for n in spec.nodes]
    assert ops == ["permute", "conv2d", "flatten", "dense"]  # the ReLU is fused into the conv
    weight = module[3].weight.detach().numpy()  # (3, 64) in (c, h, w) order
    kernel = spec.params["linear_3/kernel"]  # (64, 3) in (h, w, c) order
    np.testing.assert_array_equal(
        kernel, weight.T.reshape(4, 4, 4, 3).transpose(1, 2, 0, 3).reshape(64, 3)
    )


def test_module_called_twice_shares_weights():
    nn = torch.nn

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(torch.relu(self.fc(x)))

    module = Twice().eval()
    x = _images((2, 4))
    spec = nnspec.from_torch(module, torch.from_numpy(x))
    assert [n.shares for n in spec.nodes if n.op == "dense"] == [None, "fc"]
    kmodel = nnspec.to_keras(spec)
    assert_close(run_torch(module, [x]), run_keras(kmodel, [x]))
    assert kmodel.count_params() == torch_param_count(module) == 20


def test_defaults_and_training_branches():
    """forward's parameters past the example inputs keep their defaults; the module is traced
    in eval mode, so ``if self.training:`` code is left out (and the flag is restored)."""
    nn = torch.nn

    class Noisy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)

        def forward(self, x, mask=None, scale: float = 2.0):
            if self.training:
                x = x + torch.randn_like(x)
            if mask is not None:
                x = x * mask
            return self.fc(x) * scale

    module = Noisy().train()
    x = _images((2, 4))
    spec = nnspec.from_torch(module, torch.from_numpy(x))
    assert module.training
    assert list(spec.inputs) == ["x"]
    assert_close(run_torch(module.eval(), [x]), run_keras(nnspec.to_keras(spec), [x]))


def _keras_models():
    keras = pytest.importorskip("keras")
    layers = keras.layers

    def cnn():
        i = keras.Input((16, 16, 3))
        x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(i)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(2)(x)
        x = layers.Conv2D(4, 3)(x)
        x = layers.Dropout(0.2)(layers.Flatten()(x))
        return keras.Model(i, layers.Dense(3, activation="softmax")(x))

    def text():
        i = keras.Input((7,), dtype="int64")
        x = layers.Embedding(30, 8)(i)
        x = layers.Bidirectional(layers.LSTM(6, return_sequences=True))(x)
        return keras.Model(i, layers.Dense(2)(layers.GRU(5)(x)))

    def sequence_cnn():
        i = keras.Input((20, 4))
        x = layers.Conv1D(6, 3, padding="same", activation="relu")(i)
        x = layers.GlobalAveragePooling1D()(layers.AveragePooling1D(2)(x))
        return keras.Model(i, layers.Dense(2)(x))

    return {"cnn": cnn, "text": text, "sequence_cnn": sequence_cnn}


@pytest.mark.parametrize("name", ["cnn", "text", "sequence_cnn"])
def test_keras_torch_keras_loop(name):
    """Keras -> spec -> PyTorch -> spec -> Keras: the same numbers, and the same spec up to
    node names (and dropout, which the PyTorch backend leaves out at inference)."""
    from nnspec.spec.passes.identities import identities

    kmodel = _keras_models()[name]()
    first = nnspec.from_keras(kmodel)
    shape = (2, *kmodel.inputs[0].shape[1:])
    rng = np.random.default_rng(0)
    if name == "text":
        x = rng.integers(0, 30, shape).astype(np.int64)
    else:
        x = rng.normal(size=shape).astype(np.float32)
    second = nnspec.from_torch(nnspec.to_torch(first), torch.from_numpy(x))
    assert_close(run_keras(kmodel, [x]), run_keras(nnspec.to_keras(second), [x]))

    def ops(spec):
        return [(n.op, n.attrs()) for n in identities(spec).nodes]

    assert ops(second) == ops(first)
