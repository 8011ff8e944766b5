"""Regenerate the small Keras model files in examples/ (random weights, no download).

python examples/make_keras_examples.py
"""

from pathlib import Path

import keras

HERE = Path(__file__).parent


def mnist_cnn() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((28, 28, 1), name="image"),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="mnist_cnn",
    )


def sentiment_bilstm() -> keras.Model:
    tokens = keras.Input((40,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(1000, 32, mask_zero=True)(tokens)
    x = keras.layers.Bidirectional(keras.layers.LSTM(24))(x)
    x = keras.layers.Dense(2, activation="softmax")(x)
    return keras.Model(tokens, x, name="sentiment_bilstm")


if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    for build in (mnist_cnn, sentiment_bilstm):
        model = build()
        path = HERE / f"{model.name}.keras"
        model.save(path)
        print(f"wrote {path} ({model.count_params():,} parameters)")
