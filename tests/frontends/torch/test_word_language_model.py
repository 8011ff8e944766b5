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

import math

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


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=64):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        pe = pe.unsqueeze(0).transpose(0, 1)
        self.register_buffer("pe", pe)

    def forward(self, x):
        x = x + self.pe[: x.size(0), :]
        return self.dropout(x)


class TransformerModel(nn.Module):
    """The example's container: an encoder-only Transformer over time-major token ids."""

    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5, norm_first=False):
        super().__init__()
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout, norm_first=norm_first)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)

    def forward(self, src, has_mask: bool = True):
        mask = None
        if has_mask:
            mask = nn.Transformer.generate_square_subsequent_mask(len(src))
        src = self.encoder(src) * math.sqrt(self.ninp)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, mask)
        output = self.decoder(output)
        return F.log_softmax(output, dim=-1)


@pytest.mark.parametrize("norm_first", [False, True], ids=["post_norm", "norm_first"])
def test_transformer_model_to_keras(norm_first):
    torch.manual_seed(0)
    model = TransformerModel(NTOKEN, 8, 2, 16, 2, norm_first=norm_first).eval()
    spec = nnspec.from_torch(model, torch.from_numpy(_tokens(0)), batch_dim=1)
    attention = [n for n in spec.nodes if n.op == "multi_head_attention"]
    assert len(attention) == 2 and all(n.causal for n in attention)
    kmodel = nnspec.to_keras(spec)
    for seed in (0, 1):
        tokens = _tokens(seed)
        with torch.no_grad():
            want = model(torch.from_numpy(tokens)).numpy().swapaxes(0, 1)
        got = np.asarray(kmodel(tokens.T, training=False))
        assert_close([want], [got])
    # the spec holds the rows of the positional-encoding buffer that forward reads (T of 64)
    pe = [n for n in spec.nodes if n.op == "constant" and not n.trainable]
    assert [spec.params[f"{n.name}/value"].size for n in pe] == [T * 8]
    pe_buffer = model.pos_encoder.pe.numel()
    assert kmodel.count_params() == torch_param_count(model) - pe_buffer + T * 8


class _Masked(nn.Module):
    def __init__(self, mask=None, padding=False):
        super().__init__()
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1)
        self.mask, self.padding = mask, padding

    def forward(self, x):
        pad = torch.zeros(x.size(1), x.size(0), dtype=torch.bool) if self.padding else None
        return self.encoder(x, self.mask, src_key_padding_mask=pad)


@pytest.mark.parametrize(
    "module, match",
    [
        pytest.param(_Masked(mask=torch.zeros(T, T)), "only causal attention masks", id="mask"),
        pytest.param(_Masked(padding=True), "src_key_padding_mask", id="padding_mask"),
    ],
)
def test_transformer_refusals_name_the_module(module, match):
    with pytest.raises(nnspec.ConversionError, match=match) as info:
        nnspec.from_torch(module.eval(), torch.randn(T, N, 8), batch_dim=1)
    assert "'encoder' (nn.TransformerEncoder)" in str(info.value)


def test_merged_view_reaches_only_ops_over_its_last_dim():
    class Merged(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.GRU(4, 5)

        def forward(self, x):
            y = self.rnn(x)[0].view(-1, 5)
            return y.sum(0)  # sums over time and batch: the spec keeps samples apart

    with pytest.raises(nnspec.ConversionError, match="merges the batch"):
        nnspec.from_torch(Merged().eval(), torch.randn(T, N, 4), batch_dim=1)
