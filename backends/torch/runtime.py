"""Functions the generated modules call where PyTorch has no one-liner.

They are real, linted and tested code; the generator copies the source of the ones a module
needs into the generated file (``codegen.runtime_source``, which reads this file without
importing it), so that file stays standalone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def same_pad(x, kernel, stride, dilation, value=0.0):
    """Pad the trailing len(kernel) axes of x as TensorFlow's 'same' does (extra cell after)."""
    pads = []
    for size, k, s, d in reversed(
        list(zip(x.shape[-len(kernel) :], kernel, stride, dilation, strict=True))
    ):
        total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value)


def squareplus(x, b=4.0):
    """Keras' squareplus: (x + sqrt(x ** 2 + b)) / 2."""
    return (x + torch.sqrt(x * x + b)) / 2


def sparse_plus(x):
    """Keras' sparse_plus: 0 for x <= -1, (x + 1) ** 2 / 4 for -1 < x < 1, x for x >= 1."""
    return torch.where(x <= -1, 0.0, torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


def keras_rnn(step, x_proj, state, mask=None, zero_output_for_mask=False):
    """Run ``step(x_t, state) -> (output, state)`` over axis 1 as Keras does.

    Where ``mask`` (N, T) is False the state is kept and the output repeats the previous
    step's (zeros before the first kept step), or is zeros with ``zero_output_for_mask``.
    Returns (outputs (N, T, units), last output, final state).
    """
    output = torch.zeros_like(state[0])
    outputs = []
    for t in range(x_proj.shape[1]):
        new_output, new_state = step(x_proj[:, t], state)
        if mask is not None:
            keep = mask[:, t, None]
            previous = torch.zeros_like(output) if zero_output_for_mask else output
            new_output = torch.where(keep, new_output, previous)
            new_state = tuple(
                torch.where(keep, n, s) for n, s in zip(new_state, state, strict=True)
            )
        output, state = new_output, new_state
        outputs.append(output)
    return torch.stack(outputs, dim=1), output, state


def lstm_step(x_proj, state, recurrent_kernel, activation, recurrent_activation):
    """One Keras LSTM step; ``x_proj = x_t @ kernel + bias``, gates i, f, c, o."""
    h, c = state
    i, f, g, o = (x_proj + h @ recurrent_kernel).chunk(4, dim=-1)
    c = recurrent_activation(f) * c + recurrent_activation(i) * activation(g)
    h = recurrent_activation(o) * activation(c)
    return h, (h, c)


def gru_step(x_proj, state, recurrent_kernel, recurrent_bias, activation, recurrent_activation):
    """One Keras GRU step with reset_after (PyTorch's formula); gates z, r, h."""
    (h,) = state
    x_z, x_r, x_h = x_proj.chunk(3, dim=-1)
    h_proj = h @ recurrent_kernel
    if recurrent_bias is not None:
        h_proj = h_proj + recurrent_bias
    h_z, h_r, h_h = h_proj.chunk(3, dim=-1)
    z = recurrent_activation(x_z + h_z)
    r = recurrent_activation(x_r + h_r)
    h = z * h + (1 - z) * activation(x_h + r * h_h)
    return h, (h,)


def gru_reset_before_step(x_proj, state, recurrent_kernel, activation, recurrent_activation):
    """One Keras GRU step with reset_after=False: the reset gate scales the state before
    the recurrent projection of the candidate (no PyTorch layer computes this)."""
    (h,) = state
    units = h.shape[-1]
    x_z, x_r, x_h = x_proj.chunk(3, dim=-1)
    h_z, h_r = (h @ recurrent_kernel[:, : 2 * units]).chunk(2, dim=-1)
    z = recurrent_activation(x_z + h_z)
    r = recurrent_activation(x_r + h_r)
    h = z * h + (1 - z) * activation(x_h + (r * h) @ recurrent_kernel[:, 2 * units :])
    return h, (h,)


def simple_rnn_step(x_proj, state, recurrent_kernel, activation):
    """One Keras SimpleRNN step; ``x_proj = x_t @ kernel + bias``."""
    (h,) = state
    h = activation(x_proj + h @ recurrent_kernel)
    return h, (h,)


def conv_lstm(
    x_proj, recurrent_conv, activation, recurrent_activation, state=None, mask=None, sequences=True
):
    """Keras' ConvLSTM over channels-first frames. ``x_proj`` (N, T, 4*filters, *spatial) is
    every step's input convolution (bias included), gates i, f, c, o on axis 2;
    ``recurrent_conv(h)`` the state's convolution ('same', stride 1). ``state``: (h, c),
    each (N, filters, *spatial), zeros when None. Where the (N, T) ``mask`` is False the
    state is kept and the output repeats the previous step's (zeros before the first kept
    step), as Keras' RNN does.

    Returns (outputs (N, T, filters, *spatial), or the last output when not ``sequences``;
    (h, c)). No branch on the data, so torch.export and torch.compile take it.
    """
    if state is None:
        zeros = x_proj.new_zeros(x_proj.shape[0], x_proj.shape[2] // 4, *x_proj.shape[3:])
        state = (zeros, zeros)
    h, c = state
    output = torch.zeros_like(h)
    outputs = []
    for t in range(x_proj.shape[1]):
        i, f, g, o = (x_proj[:, t] + recurrent_conv(h)).chunk(4, dim=1)
        new_c = recurrent_activation(f) * c + recurrent_activation(i) * activation(g)
        new_h = recurrent_activation(o) * activation(new_c)
        if mask is None:
            h, c, output = new_h, new_c, new_h
        else:  # the step's keep flag, broadcast over the channels and the spatial axes
            keep = mask[:, t].reshape(-1, *[1] * (h.dim() - 1))
            h, c = torch.where(keep, new_h, h), torch.where(keep, new_c, c)
            output = torch.where(keep, new_h, output)
        if sequences:
            outputs.append(output)
    return (torch.stack(outputs, dim=1) if sequences else output), (h, c)


def masked_rnn(layer, x, mask, state=None, zero_output_for_mask=False):
    """Run a one-layer, batch_first nn.LSTM / nn.GRU / nn.RNN over ``x`` as Keras does under
    a (N, T) ``mask``: where it is False the state is kept and the output repeats the previous
    step's (zeros before the first kept step), or is zeros with ``zero_output_for_mask``.

    Returns (outputs (N, T, directions * units), final state) as the layer does, backward
    outputs aligned with the input steps. One loop over the layer's own weights, with no
    branch on the data, so torch.export and ONNX export take it.
    """
    units = layer.hidden_size
    lstm = layer.mode == "LSTM"
    directions = 2 if layer.bidirectional else 1
    if state is None:
        zeros = x.new_zeros(directions, x.shape[0], units)
        state = (zeros, zeros) if lstm else zeros
    outputs, finals = [], []
    for d in range(directions):
        suffix = "_l0_reverse" if d else "_l0"
        w_ih, w_hh = getattr(layer, "weight_ih" + suffix), getattr(layer, "weight_hh" + suffix)
        b_ih, b_hh = (
            getattr(layer, "bias_ih" + suffix, None),
            getattr(layer, "bias_hh" + suffix, None),
        )
        xs, keeps = (x, mask) if d == 0 else (x.flip(1), mask.flip(1))
        x_proj = F.linear(xs, w_ih, b_ih)  # every step's input projection at once
        h = state[0][d] if lstm else state[d]
        c = state[1][d] if lstm else None
        output, seq = torch.zeros_like(h), []
        for t in range(x.shape[1]):
            h_proj = F.linear(h, w_hh, b_hh)
            if lstm:
                i, f, g, o = (x_proj[:, t] + h_proj).chunk(4, dim=-1)
                new_c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                new_h = torch.sigmoid(o) * torch.tanh(new_c)
            elif layer.mode == "GRU":
                x_r, x_z, x_n = x_proj[:, t].chunk(3, dim=-1)
                h_r, h_z, h_n = h_proj.chunk(3, dim=-1)
                r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
                new_h = (1 - z) * torch.tanh(x_n + r * h_n) + z * h
            else:
                pre = x_proj[:, t] + h_proj
                new_h = torch.tanh(pre) if layer.mode == "RNN_TANH" else torch.relu(pre)
            keep = keeps[:, t, None]
            previous = torch.zeros_like(output) if zero_output_for_mask else output
            output = torch.where(keep, new_h, previous)
            h = torch.where(keep, new_h, h)
            if lstm:
                c = torch.where(keep, new_c, c)
            seq.append(output)
        seq = torch.stack(seq, dim=1)
        outputs.append(seq.flip(1) if d else seq)
        finals.append((h, c))
    h = torch.stack([f[0] for f in finals])
    final = (h, torch.stack([f[1] for f in finals])) if lstm else h
    return torch.cat(outputs, dim=-1), final


def sparse_sigmoid(x):
    """Keras' sparse_sigmoid: 0.5 * (x + 1) clipped to [0, 1]."""
    return torch.clamp(0.5 * (x + 1.0), 0.0, 1.0)


def shaped_dropout(x, rate, noise_shape, training):
    """Keras' dropout with a ``noise_shape`` (1 shares the mask along an axis, None takes the
    input's size): zeroes a ``rate`` fraction and scales the rest by 1 / (1 - rate)."""
    if not training or rate == 0:
        return x
    shape = [d if n is None else n for d, n in zip(x.shape, noise_shape, strict=True)]
    keep = torch.rand(shape, device=x.device) >= rate
    return x * keep / (1 - rate)


def keras_gaussian_noise(x, stddev, training):
    """Keras' GaussianNoise: adds N(0, stddev) noise in training."""
    return x + torch.randn_like(x) * stddev if training else x


def keras_gaussian_dropout(x, rate, training):
    """Keras' GaussianDropout: multiplies by N(1, rate / (1 - rate)) noise in training."""
    if not training or rate == 0:
        return x
    return x * (1 + torch.randn_like(x) * (rate / (1 - rate)) ** 0.5)


def keras_alpha_dropout(x, rate, noise_shape, training):
    """Keras' AlphaDropout: drops to SELU's negative saturation value, then rescales so the
    mean and variance are kept."""
    if not training or rate == 0:
        return x
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    shape = [d if n is None else n for d, n in zip(x.shape, noise_shape or x.shape, strict=True)]
    keep = (torch.rand(shape, device=x.device) >= rate).to(x.dtype)
    a = ((1 - rate) * (1 + rate * alpha_p**2)) ** -0.5
    b = -a * alpha_p * rate
    return a * (x * keep + (1 - keep) * alpha_p) + b


def hard_sigmoid_keras2(x):
    """Keras 2's hard_sigmoid: 0.2 * x + 0.5 clipped to [0, 1] (Keras 3's uses 1/6)."""
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)
