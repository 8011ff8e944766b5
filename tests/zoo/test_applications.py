"""Whole keras.applications models: Keras -> spec -> PyTorch and spec -> Keras, with parity.

Every model is built offline (``weights=None``, logits out), every vector weight (batch-norm
moving statistics, scales, offsets, biases, adapted normalisation statistics) is randomised
so that a wrong epsilon, transpose or statistic shows, and the conversion must give the same
outputs within 1e-4 * max(1, max|ref|) and the same parameter count in Keras, the spec and
both rebuilt models. The default run takes a representative subset at small input sizes;
``-m slow`` runs every architecture (bench/zoo.py prints the same check as a table).
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, randomize, run_keras, run_torch, torch_param_count

import nnspec

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")


def build(name: str, side: int, **kwargs):
    keras.utils.set_random_seed(0)
    ctor = getattr(keras.applications, name)
    kwargs = dict(weights=None, input_shape=(side, side, 3), **kwargs)
    try:
        return ctor(classifier_activation=None, **kwargs)
    except TypeError:  # constructors without classifier_activation
        return ctor(**kwargs)


def check_conversion(model, batch: int = 2, *, images_0_255: bool = False):
    """Keras -> spec -> PyTorch and spec -> Keras agree with the model; counts are equal."""

    def images(n, seed):
        rng = np.random.default_rng(seed)
        shape = (n, *model.input_shape[1:])
        x = rng.uniform(0, 255, shape) if images_0_255 else rng.normal(0, 1, shape)
        return x.astype("float32")

    calibration = images(max(16, batch), 1)
    randomize(model, calibration)
    x = [calibration[:batch]]
    ref = run_keras(model, x)

    spec = nnspec.from_keras(model)
    module = nnspec.to_torch(spec)
    assert_close(ref, run_torch(module, x))
    rebuilt = nnspec.to_keras(spec)
    assert_close(ref, run_keras(rebuilt, x))
    counts = (
        model.count_params(),
        spec.count_params(),
        torch_param_count(module),
        rebuilt.count_params(),
    )
    assert len(set(counts)) == 1, f"parameter counts keras/spec/torch/rebuilt: {counts}"
    return spec, rebuilt


# name, input side, constructor kwargs, inputs in 0-255 (the model rescales them itself)
SUBSET = [
    pytest.param("MobileNetV2", 96, dict(alpha=0.35), False, id="MobileNetV2-a0.35-96"),
    pytest.param("ResNet50", 32, {}, False, id="ResNet50-32"),
    pytest.param("EfficientNetB0", 32, {}, True, id="EfficientNetB0-32"),
    pytest.param("MobileNetV3Small", 32, dict(alpha=0.75), True, id="MobileNetV3Small-32"),
    pytest.param("ConvNeXtTiny", 32, {}, True, id="ConvNeXtTiny-32"),
    pytest.param("NASNetMobile", 32, {}, False, id="NASNetMobile-32"),
    pytest.param("Xception", 71, {}, False, id="Xception-71"),
    pytest.param("InceptionResNetV2", 75, {}, False, id="InceptionResNetV2-75"),
    pytest.param("DenseNet121", 32, {}, False, id="DenseNet121-32"),
]

# Every architecture in keras.applications (Keras 3 has no RegNet), at a small input side.
EVERY = [
    *(("ResNet" + n, 32, {}, False) for n in ("50", "101", "152", "50V2", "101V2", "152V2")),
    ("VGG16", 32, {}, False),
    ("VGG19", 32, {}, False),
    ("InceptionV3", 139, {}, False),  # at 75: 1x1 maps, round-off near the bound
    ("InceptionResNetV2", 75, {}, False),
    ("Xception", 71, {}, False),
    ("MobileNet", 32, {}, False),
    ("MobileNetV2", 32, {}, False),
    ("MobileNetV3Small", 32, {}, True),
    ("MobileNetV3Large", 32, {}, True),
    *((f"EfficientNetB{i}", 64, {}, True) for i in range(8)),  # 32: 1x1 maps, ill-conditioned
    *((f"EfficientNetV2{v}", 64, {}, True) for v in ("B0", "B1", "B2", "B3", "S", "M", "L")),
    *((f"DenseNet{n}", 32, {}, False) for n in (121, 169, 201)),
    ("NASNetMobile", 32, {}, False),
    ("NASNetLarge", 32, {}, False),
    *((f"ConvNeXt{s}", 32, {}, True) for s in ("Tiny", "Small", "Base", "Large", "XLarge")),
]


@pytest.mark.parametrize("name, side, kwargs, images", SUBSET)
def test_application(name, side, kwargs, images):
    check_conversion(build(name, side, **kwargs), images_0_255=images)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, side, kwargs, images", [pytest.param(*case, id=f"{case[0]}-{case[1]}") for case in EVERY]
)
def test_every_application(name, side, kwargs, images):
    check_conversion(build(name, side, **kwargs), batch=1, images_0_255=images)


def test_small_convnext_with_stochastic_depth():
    """ConvNeXt's StochasticDepth (drop_path_rate > 0) and LayerScale, nested Sequential
    stem/downsampling, residual sums recorded as keras.ops: a reduced ConvNeXt."""
    from keras.src.applications.convnext import ConvNeXt

    keras.utils.set_random_seed(0)
    model = ConvNeXt(
        depths=[1, 2, 1, 1],
        projection_dims=[8, 16, 24, 32],
        drop_path_rate=0.2,
        input_shape=(32, 32, 3),
        classes=10,
        classifier_activation=None,
        name="convnext_mini",
    )
    kinds = {type(op).__name__ for op in model.operations}
    assert {"StochasticDepth", "LayerScale", "Sequential"} <= kinds
    spec, _ = check_conversion(model, images_0_255=True)
    ops = {n.op for n in spec.nodes}
    assert {"layer_scale", "dropout", "add"} <= ops


def test_inception_resnet_block_scale():
    """InceptionResNetV2's CustomScaleLayer (x + residual * scale) as rescaling + add, on
    one reduced model (the whole architecture runs with -m slow)."""
    from keras.src.applications.inception_resnet_v2 import inception_resnet_block

    keras.utils.set_random_seed(0)
    x = keras.Input((9, 9, 320))
    y = inception_resnet_block(x, scale=0.17, block_type="block35", block_idx=1)
    model = keras.Model(x, y)
    spec, _ = check_conversion(model)
    assert any(n.op == "rescaling" and n.scale == pytest.approx(0.17) for n in spec.nodes)


def test_round_trip_is_idempotent():
    """Keras -> spec -> Keras -> spec gives the same nodes and weights (MobileNetV3's
    hard sigmoid is recorded as keras.ops and comes back as Rescaling layers)."""
    model = build("MobileNetV3Small", 32, alpha=0.75, minimalistic=False)
    randomize(model)
    spec = nnspec.from_keras(model)
    again = nnspec.from_keras(nnspec.to_keras(spec))
    assert [n.model_dump() for n in again.nodes] == [n.model_dump() for n in spec.nodes]
    assert again.params.keys() == spec.params.keys()
    for key, value in spec.params.items():
        np.testing.assert_array_equal(again.params[key], value)
