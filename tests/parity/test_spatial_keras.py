"""Real Keras spatial layers -> nnspec.from_keras -> nnspec.to_torch give Keras' numbers.

Each case builds a small model around one ``keras.layers`` layer with random weights, converts
it, and checks the PyTorch module against Keras (max|a - b| <= 1e-4 * max(1, max|ref|)), the
parameter counts, and that spec -> Keras -> spec is the identity. The cases cover the traps of
hand conversion: 'same' padding with stride 2 and even kernels (TensorFlow pads the odd cell
after), average pooling with 'same' padding (padded cells not counted), transposed convolutions
with stride 2 and 'same' padding or output_padding, dilation, groups, and unknown spatial sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch, torch_param_count

import nnspec
from nnspec.spec.errors import ConversionError

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
L = keras.layers


def case(id_, make, shape, run_shape=None):
    """``make()`` builds the layer; ``shape`` is the Input shape without batch (None allowed),
    ``run_shape`` the concrete one used to run it."""
    return pytest.param(make, shape, run_shape or shape, id=id_)


CASES = [
    # Conv1D/2D/3D: padding, stride, dilation, groups.
    case("conv2d-valid", lambda: L.Conv2D(4, 3), (8, 8, 3)),
    case(
        "conv2d-same-stride2-even-kernel",
        lambda: L.Conv2D(3, 4, strides=2, padding="same"),
        (9, 8, 2),
    ),
    case(
        "conv2d-same-stride2-odd-kernel-even-input",
        lambda: L.Conv2D(3, 3, strides=2, padding="same"),
        (8, 10, 2),
    ),
    case("conv2d-same-stride1-even-kernel", lambda: L.Conv2D(3, (2, 4), padding="same"), (7, 6, 2)),
    case("conv2d-valid-strides-2-1", lambda: L.Conv2D(3, 3, strides=(2, 1)), (9, 8, 2)),
    case(
        "conv2d-same-dilation2", lambda: L.Conv2D(4, 3, dilation_rate=2, padding="same"), (9, 9, 3)
    ),
    case("conv2d-valid-dilation-2-3", lambda: L.Conv2D(2, 3, dilation_rate=(2, 3)), (9, 10, 2)),
    case(
        "conv2d-groups2-same-stride2",
        lambda: L.Conv2D(6, 3, strides=2, padding="same", groups=2),
        (7, 7, 4),
    ),
    case(
        "conv2d-groups3-dilated",
        lambda: L.Conv2D(6, 3, dilation_rate=2, groups=3, padding="same"),
        (8, 8, 3),
    ),
    case(
        "conv2d-nobias-relu6", lambda: L.Conv2D(3, 3, use_bias=False, activation="relu6"), (6, 6, 2)
    ),
    case(
        "conv2d-same-stride2-unknown-size",
        lambda: L.Conv2D(3, 3, strides=2, padding="same"),
        (None, None, 2),
        (9, 10, 2),
    ),
    case(
        "conv1d-causal-dilation2",
        lambda: L.Conv1D(3, 3, padding="causal", dilation_rate=2),
        (10, 4),
    ),
    case("conv1d-causal-stride2", lambda: L.Conv1D(3, 4, strides=2, padding="causal"), (11, 2)),
    case("conv1d-same-stride3-even", lambda: L.Conv1D(3, 4, strides=3, padding="same"), (11, 2)),
    case("conv1d-groups2", lambda: L.Conv1D(4, 3, groups=2), (9, 4)),
    case(
        "conv3d-same-stride2-even", lambda: L.Conv3D(2, 2, strides=2, padding="same"), (5, 6, 7, 2)
    ),
    case("conv3d-valid-mixed", lambda: L.Conv3D(2, (2, 3, 1), strides=(1, 2, 1)), (4, 7, 5, 3)),
    # Max and average pooling.
    case("max_pool2d-valid", lambda: L.MaxPooling2D(2), (8, 9, 3)),
    case("max_pool2d-same-3-stride2", lambda: L.MaxPooling2D(3, 2, padding="same"), (7, 8, 2)),
    case(
        "max_pool2d-same-2-stride2-odd-input", lambda: L.MaxPooling2D(2, padding="same"), (7, 7, 2)
    ),
    case(
        "max_pool2d-same-3-stride1-symmetric",
        lambda: L.MaxPooling2D(3, 1, padding="same"),
        (5, 6, 2),
    ),
    case("max_pool2d-same-2-stride1", lambda: L.MaxPooling2D(2, 1, padding="same"), (5, 6, 2)),
    case(
        "max_pool2d-same-unknown-size",
        lambda: L.MaxPooling2D(3, 2, padding="same"),
        (None, None, 2),
        (7, 8, 2),
    ),
    case("max_pool1d-stride-gt-pool", lambda: L.MaxPooling1D(2, 3), (11, 3)),
    case("max_pool3d-same", lambda: L.MaxPooling3D(2, padding="same"), (3, 5, 4, 2)),
    case("avg_pool2d-valid", lambda: L.AveragePooling2D(2), (8, 9, 3)),
    case("avg_pool2d-same-3-stride2", lambda: L.AveragePooling2D(3, 2, padding="same"), (7, 8, 2)),
    case(
        "avg_pool2d-same-2-stride2-odd-input",
        lambda: L.AveragePooling2D(2, padding="same"),
        (7, 7, 2),
    ),
    case(
        "avg_pool2d-same-3-stride2-symmetric",
        lambda: L.AveragePooling2D(3, 2, padding="same"),
        (7, 9, 2),
    ),
    case(
        "avg_pool2d-same-3-stride1-symmetric",
        lambda: L.AveragePooling2D(3, 1, padding="same"),
        (5, 6, 2),
    ),
    case(
        "avg_pool2d-same-2x3-stride1",
        lambda: L.AveragePooling2D((2, 3), 1, padding="same"),
        (5, 6, 2),
    ),
    case(
        "avg_pool2d-same-unknown-size",
        lambda: L.AveragePooling2D(3, 2, padding="same"),
        (None, None, 2),
        (7, 8, 2),
    ),
    case("avg_pool1d-same-4-stride3", lambda: L.AveragePooling1D(4, 3, padding="same"), (11, 3)),
    case("avg_pool3d-same", lambda: L.AveragePooling3D((2, 3, 3), 2, padding="same"), (3, 5, 6, 2)),
    # Global pooling.
    case("global_max_pool1d", lambda: L.GlobalMaxPooling1D(), (7, 3)),
    case("global_avg_pool1d-keepdims", lambda: L.GlobalAveragePooling1D(keepdims=True), (7, 3)),
    case("global_max_pool2d-keepdims", lambda: L.GlobalMaxPooling2D(keepdims=True), (5, 6, 3)),
    case("global_avg_pool2d", lambda: L.GlobalAveragePooling2D(), (5, 6, 3)),
    case(
        "global_avg_pool2d-unknown-size",
        lambda: L.GlobalAveragePooling2D(),
        (None, None, 3),
        (5, 6, 3),
    ),
    case("global_max_pool3d", lambda: L.GlobalMaxPooling3D(), (3, 4, 5, 2)),
    case(
        "global_avg_pool3d-keepdims", lambda: L.GlobalAveragePooling3D(keepdims=True), (3, 4, 5, 2)
    ),
    # Transposed convolutions.
    case("conv2d_transpose-valid", lambda: L.Conv2DTranspose(3, 3), (5, 5, 4)),
    case(
        "conv2d_transpose-same-stride2-k3",
        lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same"),
        (4, 5, 2),
    ),
    case(
        "conv2d_transpose-same-stride2-k4",
        lambda: L.Conv2DTranspose(2, 4, strides=2, padding="same"),
        (3, 4, 3),
    ),
    case(
        "conv2d_transpose-same-stride2-k2",
        lambda: L.Conv2DTranspose(2, 2, strides=2, padding="same"),
        (3, 4, 3),
    ),
    case(
        "conv2d_transpose-same-stride3-k5",
        lambda: L.Conv2DTranspose(2, 5, strides=3, padding="same"),
        (3, 4, 3),
    ),
    case(
        "conv2d_transpose-same-stride3-k2",
        lambda: L.Conv2DTranspose(2, 2, strides=3, padding="same"),
        (3, 4, 3),
    ),
    case("conv2d_transpose-valid-stride2", lambda: L.Conv2DTranspose(2, 3, strides=2), (3, 4, 3)),
    case(
        "conv2d_transpose-valid-stride3-k2", lambda: L.Conv2DTranspose(2, 2, strides=3), (3, 4, 3)
    ),
    case(
        "conv2d_transpose-same-output_padding1",
        lambda: L.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1),
        (4, 4, 3),
    ),
    case(
        "conv2d_transpose-same-k4-output_padding1",
        lambda: L.Conv2DTranspose(2, 4, strides=2, padding="same", output_padding=1),
        (4, 4, 3),
    ),
    case(
        "conv2d_transpose-valid-output_padding",
        lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=(0, 1), use_bias=False),
        (3, 4, 3),
    ),
    case(
        "conv2d_transpose-same-dilation2",
        lambda: L.Conv2DTranspose(2, 3, dilation_rate=2, padding="same"),
        (4, 4, 3),
    ),
    case(
        "conv2d_transpose-same-stride2-unknown-size",
        lambda: L.Conv2DTranspose(2, 4, strides=2, padding="same"),
        (None, None, 3),
        (3, 5, 3),
    ),
    case(
        "conv1d_transpose-same-stride2-k5",
        lambda: L.Conv1DTranspose(3, 5, strides=2, padding="same", activation="tanh"),
        (6, 4),
    ),
    case(
        "conv1d_transpose-same-stride3-output_padding2",
        lambda: L.Conv1DTranspose(2, 4, strides=3, padding="same", output_padding=2),
        (5, 3),
    ),
    # Depthwise and separable convolutions.
    case("depthwise_conv2d-valid", lambda: L.DepthwiseConv2D(3), (6, 6, 3)),
    case(
        "depthwise_conv2d-same-stride2-even",
        lambda: L.DepthwiseConv2D(2, strides=2, padding="same"),
        (5, 6, 3),
    ),
    case(
        "depthwise_conv2d-multiplier2-nobias",
        lambda: L.DepthwiseConv2D((3, 2), depth_multiplier=2, use_bias=False),
        (6, 5, 3),
    ),
    case(
        "depthwise_conv2d-dilation2-same",
        lambda: L.DepthwiseConv2D(3, dilation_rate=2, padding="same"),
        (7, 7, 2),
    ),
    case(
        "depthwise_conv2d-stride2-dilation2",
        lambda: L.DepthwiseConv2D(3, strides=2, dilation_rate=2, padding="same"),
        (9, 9, 2),
    ),
    case(
        "depthwise_conv1d-same-stride2-multiplier3",
        lambda: L.DepthwiseConv1D(4, strides=2, padding="same", depth_multiplier=3),
        (9, 2),
    ),
    case(
        "separable_conv2d-same-stride2-relu",
        lambda: L.SeparableConv2D(5, 3, strides=2, padding="same", activation="relu"),
        (7, 8, 3),
    ),
    case(
        "separable_conv2d-multiplier2-nobias",
        lambda: L.SeparableConv2D(4, (2, 3), depth_multiplier=2, use_bias=False),
        (6, 5, 3),
    ),
    case(
        "separable_conv2d-dilation2",
        lambda: L.SeparableConv2D(3, 3, dilation_rate=2, padding="same"),
        (7, 7, 2),
    ),
    case(
        "separable_conv1d-same-stride2-multiplier2",
        lambda: L.SeparableConv1D(2, 4, strides=2, padding="same", depth_multiplier=2),
        (9, 3),
    ),
    # Cropping, zero padding, upsampling.
    case("cropping1d", lambda: L.Cropping1D((1, 2)), (8, 3)),
    case("cropping2d-pairs", lambda: L.Cropping2D(((1, 0), (2, 1))), (6, 7, 3)),
    case("cropping2d-per-axis", lambda: L.Cropping2D((1, 2)), (6, 7, 3)),
    case("cropping3d", lambda: L.Cropping3D(((0, 1), 1, (2, 0))), (4, 5, 6, 2)),
    case("zero_padding1d", lambda: L.ZeroPadding1D((1, 2)), (5, 3)),
    case("zero_padding2d-pairs", lambda: L.ZeroPadding2D(((0, 1), (2, 0))), (4, 5, 3)),
    case("zero_padding2d-unknown-size", lambda: L.ZeroPadding2D(1), (None, None, 3), (4, 5, 3)),
    case("zero_padding3d", lambda: L.ZeroPadding3D(((1, 0), 1, (0, 2))), (3, 4, 5, 2)),
    case("upsampling1d", lambda: L.UpSampling1D(3), (4, 3)),
    case("upsampling2d-nearest", lambda: L.UpSampling2D((2, 3)), (3, 4, 2)),
    case("upsampling2d-bilinear", lambda: L.UpSampling2D(2, interpolation="bilinear"), (3, 4, 2)),
    case(
        "upsampling2d-bilinear-3x2",
        lambda: L.UpSampling2D((3, 2), interpolation="bilinear"),
        (3, 4, 2),
    ),
    case(
        "upsampling2d-bilinear-unknown-size",
        lambda: L.UpSampling2D(2, interpolation="bilinear"),
        (None, None, 2),
        (3, 5, 2),
    ),
    case("upsampling3d", lambda: L.UpSampling3D((1, 2, 3)), (2, 3, 3, 2)),
    # Resizing and center crop.
    case("resizing-bilinear-up", lambda: L.Resizing(8, 11), (4, 5, 3)),
    case("resizing-bilinear-down", lambda: L.Resizing(3, 4), (7, 9, 3)),
    case("resizing-nearest-up", lambda: L.Resizing(7, 10, interpolation="nearest"), (4, 5, 3)),
    case("resizing-nearest-down", lambda: L.Resizing(3, 4, interpolation="nearest"), (7, 9, 3)),
    case("resizing-nearest-mixed", lambda: L.Resizing(5, 13, interpolation="nearest"), (8, 6, 2)),
    case("resizing-bilinear-unknown-size", lambda: L.Resizing(6, 5), (None, None, 2), (9, 4, 2)),
    case("center_crop-odd-diff", lambda: L.CenterCrop(4, 3), (7, 6, 3)),
    case("center_crop-even-diff", lambda: L.CenterCrop(4, 2), (8, 6, 3)),
    case("center_crop-unknown-size", lambda: L.CenterCrop(3, 3), (None, None, 2), (6, 7, 2)),
]


def build(make, shape):
    x = keras.Input(shape=shape, name="x")
    model = keras.Model(x, make()(x), name="spatial")
    rng = np.random.default_rng(0)
    for w in model.weights:
        w.assign(rng.normal(0.0, 0.5, tuple(w.shape)).astype("float32"))
    return model


@pytest.mark.parametrize("make, shape, run_shape", CASES)
def test_keras_layer_to_torch(make, shape, run_shape):
    kmodel = build(make, shape)
    spec = nnspec.from_keras(kmodel)
    arrays = [np.random.default_rng(1).normal(0.0, 1.0, (2, *run_shape)).astype("float32")]

    ref = run_keras(kmodel, arrays)
    module = nnspec.to_torch(spec)
    assert_close(ref, run_torch(module, arrays))
    assert kmodel.count_params() == spec.count_params() == torch_param_count(module)

    rebuilt = nnspec.to_keras(spec)
    assert_close(ref, run_keras(rebuilt, arrays))
    back = nnspec.from_keras(rebuilt)
    assert back.to_yaml().split("nodes:")[1] == spec.to_yaml().split("nodes:")[1]


REFUSED = [
    pytest.param(  # conv, pooling, Resizing convert: tests/frontends/keras/layers/
        lambda: L.SeparableConv2D(2, 3, data_format="channels_first"),
        (3, 8, 8),
        "data_format",
        id="separable_conv2d-channels_first",
    ),
    pytest.param(
        lambda: L.UpSampling2D(2, interpolation="bicubic"),
        (4, 4, 2),
        "interpolation",
        id="upsampling2d-bicubic",
    ),
    pytest.param(
        lambda: L.Resizing(6, 6, interpolation="bicubic"),
        (4, 4, 2),
        "interpolation",
        id="resizing-bicubic",
    ),
    pytest.param(
        lambda: L.Resizing(3, 3, interpolation="area"),
        (6, 6, 2),
        "interpolation",
        id="resizing-area",
    ),
    pytest.param(
        lambda: L.Resizing(3, 3, antialias=True), (6, 6, 2), "antialias", id="resizing-antialias"
    ),
    pytest.param(
        lambda: L.Resizing(4, 6, crop_to_aspect_ratio=True),
        (6, 6, 2),
        "crop_to_aspect_ratio",
        id="resizing-crop_to_aspect_ratio",
    ),
    pytest.param(
        lambda: L.Resizing(4, 6, pad_to_aspect_ratio=True),
        (6, 6, 2),
        "pad_to_aspect_ratio",
        id="resizing-pad_to_aspect_ratio",
    ),
    pytest.param(lambda: L.CenterCrop(8, 4), (6, 6, 2), "height", id="center_crop-too-small"),
]


@pytest.mark.parametrize("make, shape, key", REFUSED)
def test_refused_options_name_layer_and_key(make, shape, key):
    x = keras.Input(shape=shape, name="x")
    layer = make()
    model = keras.Model(x, layer(x))
    with pytest.raises(ConversionError, match=key) as err:
        nnspec.from_keras(model)
    assert layer.name in str(err.value)


SHARED = [
    pytest.param(lambda: L.Conv2D(3, 3, strides=2, padding="same"), id="conv2d"),
    pytest.param(lambda: L.MaxPooling2D(3, 2, padding="same"), id="max_pool2d"),
    pytest.param(lambda: L.AveragePooling2D(3, 2, padding="same"), id="avg_pool2d"),
    pytest.param(lambda: L.DepthwiseConv2D(3, strides=2, padding="same"), id="depthwise_conv2d"),
    pytest.param(lambda: L.SeparableConv2D(3, 2, strides=2, padding="same"), id="separable"),
    pytest.param(lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same"), id="transpose"),
]


@pytest.mark.parametrize("make", SHARED)
def test_layer_shared_by_inputs_of_different_sizes(make):
    """'same' padding with stride 2 depends on the input size (7 pads (1, 1), 8 pads (0, 1)):
    one layer called on both must pad each call as Keras does."""
    a, b = keras.Input((7, 7, 2), name="a"), keras.Input((8, 8, 2), name="b")
    layer = make()
    kmodel = keras.Model([a, b], [layer(a), layer(b)], name="shared")
    rng = np.random.default_rng(0)
    for w in kmodel.weights:
        w.assign(rng.normal(0.0, 0.5, tuple(w.shape)).astype("float32"))
    arrays = [
        rng.normal(size=(2, 7, 7, 2)).astype("float32"),
        rng.normal(size=(2, 8, 8, 2)).astype("float32"),
    ]
    module = nnspec.to_torch(nnspec.from_keras(kmodel))
    assert_close(run_keras(kmodel, arrays), run_torch(module, arrays))
    assert kmodel.count_params() == torch_param_count(module)
