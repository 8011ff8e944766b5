"""keras.layers classes nnspec refuses on purpose, by class name, with the reason the user
sees (every exported class is either here or has a converter: tests/frontends/keras/
test_layer_walk.py walks keras.layers)."""

_NO_STRINGS = "it works on strings, and the spec has no string tensors"
_OTHER_FRAMEWORK = "it wraps code of another framework, which a spec cannot describe"
_CELL = (
    "a cell computes one time step; nnspec converts cells inside their recurrent layer "
    "(keras.layers.RNN(cell) or LSTM/GRU/SimpleRNN)"
)
_HASH = (
    "it hashes the string form of each value (FarmHash fingerprint, or SipHash with a "
    "salt), which no spec op computes"
)
_SPECTROGRAM = "it computes a short-time Fourier transform, which no spec op computes"

LAYER_REFUSALS = {
    "Layer": "the base class of all layers: a direct instance computes nothing nnspec knows; "
    "subclass it with a stock computation or register an op",
    "Wrapper": "the abstract base class of wrappers; its subclasses (Bidirectional, "
    "TimeDistributed, SpectralNormalization) are converted",
    "Pipeline": "it runs its layers in Python; put them in a keras.Sequential instead",
    "StringLookup": _NO_STRINGS,
    "TextVectorization": _NO_STRINGS,
    "Hashing": _HASH,
    "HashedCrossing": _HASH,
    "FlaxLayer": _OTHER_FRAMEWORK,
    "JaxLayer": _OTHER_FRAMEWORK,
    "TorchModuleWrapper": _OTHER_FRAMEWORK,
    "GRUCell": _CELL,
    "LSTMCell": _CELL,
    "SimpleRNNCell": _CELL,
    "StackedRNNCells": _CELL,
    "MelSpectrogram": _SPECTROGRAM,
    "STFTSpectrogram": _SPECTROGRAM,
    "ContrastLimitedAdaptiveHistogramEqualization": "it equalises tile histograms at "
    "inference too, which no spec op computes",
}
