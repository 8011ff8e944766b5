"""Every op in the catalog has a converter in each backend or a reason in its UNSUPPORTED
table (Keras' ops_test style), and every Keras layer the project promises has a frontend
converter."""

import importlib

import pytest

from nnspec.spec.ops import catalog

pytest.importorskip("torch")
pytest.importorskip("keras")

# Keras layers issue 3 and 4 promise to read.
PROMISED_KERAS_LAYERS = [
    "Dense",
    "Conv1D",
    "Conv2D",
    "Conv3D",
    "Conv1DTranspose",
    "Conv2DTranspose",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "BatchNormalization",
    "LayerNormalization",
    "GroupNormalization",
    "UnitNormalization",
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianNoise",
    "GaussianDropout",
    "AlphaDropout",
    "ActivityRegularization",
    "Activation",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "Softmax",
    "Flatten",
    "Reshape",
    "Permute",
    "RepeatVector",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "Add",
    "Subtract",
    "Multiply",
    "Average",
    "Maximum",
    "Minimum",
    "Concatenate",
    "Dot",
    "Embedding",
    "Rescaling",
    "Normalization",
    "CenterCrop",
    "Resizing",
    "LSTM",
]


@pytest.mark.parametrize("backend", ["torch", "keras"])
def test_every_op_has_a_converter_or_a_reason(backend):
    """An op lacking a converter must be in the backend's UNSUPPORTED table, with a reason;
    an op in the table must have no converter."""
    registry = importlib.import_module(f"nnspec.backends.{backend}.registry").REGISTRY
    assert registry.coverage_problems(catalog()) == []


@pytest.mark.parametrize("layer", PROMISED_KERAS_LAYERS)
def test_keras_layer_has_frontend(layer):
    import keras

    from nnspec.frontends.keras.registry import supported

    assert hasattr(keras.layers, layer), f"keras.layers has no {layer}"
    assert layer in supported(), f"no frontend converter for keras.layers.{layer}"
