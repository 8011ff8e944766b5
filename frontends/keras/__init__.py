"""Keras -> spec. Importing this package does not import Keras until a function is called."""


def from_keras(model):
    from .importer import from_keras as convert

    return convert(model)


def load_keras_file(path):
    from .importer import load_keras_file as load

    return load(path)
