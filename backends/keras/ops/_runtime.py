"""Layers the generated Keras source defines for itself: their source is copied into the
generated file (``inspect.getsource``), so this module is what runs and what is tested."""

import keras
from keras import layers, ops


def named(tensor, name):
    """Name the keras.ops operation that computed ``tensor`` (keras.ops functions take no
    name, and Keras' per-process counter could repeat a name the model already uses)."""
    tensor._keras_history.operation.name = name
    return tensor


@keras.saving.register_keras_serializable(package="nnspec")
class Constant(layers.Layer):
    """A tensor held as a weight (the spec's ``constant`` op). A functional graph holds only
    layers reached from its inputs, so it is called on a model input, which it ignores."""

    def __init__(self, shape, value_dtype="float32", **kwargs):
        super().__init__(**kwargs)
        self.value_shape = tuple(shape)
        self.value_dtype = value_dtype
        self.value = self.add_weight(
            shape=self.value_shape,
            initializer="zeros",
            dtype=value_dtype,
            trainable=self.trainable and value_dtype.startswith("float"),
            name="value",
        )

    def call(self, reference):
        return ops.convert_to_tensor(self.value)

    def compute_output_shape(self, reference_shape):
        return self.value_shape

    def get_config(self):
        return {**super().get_config(), "shape": self.value_shape, "value_dtype": self.value_dtype}
