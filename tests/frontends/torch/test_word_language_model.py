"""PyTorch's word-language-model example (examples/word_language_model/model.py), written
here by hand: RNNModel with RNN_TANH, RNN_RELU, LSTM and GRU, time-major (T, N) token ids,
the hidden state from ``init_hidden`` passed to ``forward`` and returned from it, and
``decoded.view(-1, ntoken)``; and TransformerModel (nn.TransformerEncoder, a causal mask made
in forward, a positional-encoding buffer). PyTorch -> spec -> Keras with parity on two
different inputs and the parameter counts accounted for.

The spec keeps the batch first: a (T, N) input is a (N, T) spec input, a state (L, N, H) is
(N, L, H), the (T * N, V) view is (N, T, V); ``metadata["torch_layout"]`` says so.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, torch_param_count

import nnspec

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
nn = torch.nn
F = torch.nn.functional

NTOKEN, NINP, NHID, NLAYERS, T, N = 13, 6, 5, 2, 7, 3


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ("LSTM", "GRU"):
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type]
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (
                weight.new_zeros(self.nlayers, bsz, self.nhid),
                weight.new_zeros(self.nlayers, bsz, self.nhid),
            )
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def _tokens(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, NTOKEN, (T, N)).astype(np.int64)


def _hidden(model: RNNModel, seed: int):
    """init_hidden's zeros, then (second input) a random state of the same shapes."""
    hidden = model.init_hidden(N)
    if seed == 0:
        return hidden
    g = torch.Generator().manual_seed(seed)
    if isinstance(hidden, tuple):
        return tuple(torch.randn(h.shape, generator=g) for h in hidden)
    return torch.randn(hidden.shape, generator=g)


def _batch_first(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().swapaxes(0, 1)


def _torch_run(model, tokens, hidden) -> list[np.ndarray]:
    """PyTorch's outputs moved to the spec's batch-first layout."""
    with torch.no_grad():
        log_probs, hidden = model(torch.from_numpy(tokens), hidden)
    states = hidden if isinstance(hidden, tuple) else (hidden,)
    out = [log_probs.numpy().reshape(T, N, NTOKEN).swapaxes(0, 1)]
    return out + [_batch_first(h) for h in states]


def _keras_run(kmodel, tokens, hidden) -> list[np.ndarray]:
    states = hidden if isinstance(hidden, tuple) else (hidden,)
    out = kmodel([tokens.T, *(_batch_first(h) for h in states)], training=False)
    return [np.asarray(o) for o in out]


# Parameters PyTorch has that the spec does not: LSTM and RNN sum their two biases.
_BIASES = {"LSTM": 4, "GRU": 0, "RNN_TANH": 1, "RNN_RELU": 1}


@pytest.mark.parametrize("rnn_type", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
def test_rnn_model_to_keras(rnn_type):
    torch.manual_seed(0)
    model = RNNModel(rnn_type, NTOKEN, NINP, NHID, NLAYERS).eval()
    spec = nnspec.from_torch(model, (torch.from_numpy(_tokens(0)), _hidden(model, 0)), batch_dim=1)
    layout = spec.metadata["torch_layout"]
    assert layout["input"]["spec_axes_are_torch_dims"] == [1, 0]
    assert layout["output 0"]["then_view"] == [T * N, NTOKEN]
    kmodel = nnspec.to_keras(spec)
    for seed in (0, 1):  # zeros from init_hidden, then another batch and a random state
        tokens, hidden = _tokens(seed), _hidden(model, seed)
        want, got = _torch_run(model, tokens, hidden), _keras_run(kmodel, tokens, hidden)
        assert_close(want, got)
        assert got[1].std() > 0  # the returned state is a real computation
    summed = _BIASES[rnn_type] * NHID * NLAYERS
    assert kmodel.count_params() == torch_param_count(model) - summed
