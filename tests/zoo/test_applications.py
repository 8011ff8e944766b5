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
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")


def randomize(model, calibration=None, seed: int = 0) -> None:
    """Random weights under which a deep network stays as well conditioned as a trained one,
    so that float32 round-off stays near 1e-6 and a conversion error cannot hide in it.

    Every vector weight gets a random value (scales, offsets, biases, adapted normalisation
    statistics, batch-norm statistics); kernels keep their random initial draws. With
    ``calibration`` inputs (check parity on some of them), two more steps, without which
    errors of 1e-3 appear in both frameworks alike against a float64 run (ResNet152,
    EfficientNetV2L): batch-norm moving statistics become the batch statistics of those
    inputs (one training-mode pass, momentum 0, dropout off), random per channel yet
    normalising, with variances floored at a tenth of the channel's mean square (a nearly
    constant channel would amplify round-off); and residual branches start small, as in
    trained networks (Fixup, zero-init residuals): a batch norm ending a branch that is
    added to a shortcut gets a scale in U(0.02, 0.1); a convolution or dense layer ending
    one has its weights x0.05.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    layers = list(model._flatten_layers(include_self=False))
    bn = [la for la in layers if type(la).__name__ == "BatchNormalization"]
    for v in model.weights:
        if not str(v.dtype).startswith("float"):
            continue  # Normalization's sample count
        name, shape = v.path.split("/")[-1], tuple(v.shape)
        if "variance" in name or name == "gamma" or name.endswith("scale"):
            value = rng.uniform(0.5, 1.5, shape)
        elif len(shape) <= 1:  # biases, beta, moving_mean, mean, LayerScale's gamma
            value = rng.normal(0.0, 0.2, shape)
        else:
            continue
        v.assign(value.astype(str(v.dtype)))
    for layer in layers:
        if hasattr(layer, "finalize_state"):  # Normalization reads its variables only here
            layer.finalize_state()
    if calibration is None:
        return
    for layer in _residual_branch_ends(model):
        if type(layer).__name__ == "BatchNormalization" and layer.scale:
            layer.gamma.assign(rng.uniform(0.02, 0.1, layer.gamma.shape).astype("float32"))
        elif type(layer).__name__ in ("Conv2D", "Dense", "DepthwiseConv2D", "SeparableConv2D"):
            for v in layer.trainable_weights:
                v.assign(np.asarray(v) * 0.05)
    if not bn:
        return
    saved = [
        (la, attr, getattr(la, attr))
        for la in layers
        for attr in ("rate", "drop_path_rate")
        if hasattr(la, attr)
    ]
    saved += [(la, "momentum", la.momentum) for la in bn]
    for la, attr, _ in saved:
        setattr(la, attr, 0.0)  # dropout off; moving statistics := batch statistics
    try:
        model(calibration, training=True)
    finally:
        for la, attr, value in saved:
            setattr(la, attr, value)
    for la in bn:
        mean, var = np.asarray(la.moving_mean), np.asarray(la.moving_variance)
        la.moving_variance.assign(np.maximum(var, 0.1 * (mean**2 + var)).astype("float32"))


def _residual_branch_ends(model) -> list:
    """For each addition (Add layers and ``+`` on tensors), the layer ending its longest
    input path (the residual branch, not the shortcut), looking through dropout and
    identities."""
    passthrough = ("Dropout", "StochasticDepth")
    level = {}  # id(op) -> longest path from the inputs, in operations
    found = []

    def producer(tensor):
        op = tensor._keras_history.operation
        while type(op).__name__ in passthrough or (
            type(op).__name__ == "Activation" and op.get_config()["activation"] == "linear"
        ):
            op = op._inbound_nodes[0].input_tensors[0]._keras_history.operation
        return op

    for op in model.operations:  # topological order
        ins = [t for node in op._inbound_nodes for t in node.input_tensors]
        level[id(op)] = 1 + max(
            (level.get(id(t._keras_history.operation), 0) for t in ins), default=0
        )
        if type(op).__name__ == "Add" and len(ins) > 1:
            ends = sorted(
                ((level[id(t._keras_history.operation)], i) for i, t in enumerate(ins)),
                reverse=True,
            )
            if ends[0][0] > ends[1][0]:
                found.append(producer(ins[ends[0][1]]))
    return found


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
