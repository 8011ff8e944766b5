"""Small functions copied into generated modules when an op needs them (source text)."""

HELPERS = {
    "same_pad": '''
def same_pad(x, kernel, stride, dilation, value=0.0):
    """Pad the trailing len(kernel) axes of x as TensorFlow's 'same' does (extra cell after)."""
    pads = []
    for size, k, s, d in reversed(list(zip(x.shape[-len(kernel):], kernel, stride, dilation))):
        total = max((-(-size // s) - 1) * s + (k - 1) * d + 1 - size, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value)
''',
    "squareplus": '''
def squareplus(x, b=4.0):
    """Keras' squareplus: (x + sqrt(x ** 2 + b)) / 2."""
    return (x + torch.sqrt(x * x + b)) / 2
''',
    "sparse_plus": '''
def sparse_plus(x):
    """Keras' sparse_plus: 0 for x <= -1, (x + 1) ** 2 / 4 for -1 < x < 1, x for x >= 1."""
    return torch.where(x <= -1, 0.0, torch.where(x < 1, 0.25 * (x + 1) ** 2, x))
''',
    # Recurrent layers no PyTorch layer computes (spec/ops/recurrent.py): Keras' step
    # functions over precomputed input projections, and Keras' masked time loop.
    "keras_rnn": '''
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
            new_state = tuple(torch.where(keep, n, s) for n, s in zip(new_state, state))
        output, state = new_output, new_state
        outputs.append(output)
    return torch.stack(outputs, dim=1), output, state
''',
    "lstm_step": '''
def lstm_step(x_proj, state, recurrent_kernel, activation, recurrent_activation):
    """One Keras LSTM step; ``x_proj = x_t @ kernel + bias``, gates i, f, c, o."""
    h, c = state
    i, f, g, o = (x_proj + h @ recurrent_kernel).chunk(4, dim=-1)
    c = recurrent_activation(f) * c + recurrent_activation(i) * activation(g)
    h = recurrent_activation(o) * activation(c)
    return h, (h, c)
''',
    "gru_step": '''
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
''',
    "gru_reset_before_step": '''
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
''',
    "simple_rnn_step": '''
def simple_rnn_step(x_proj, state, recurrent_kernel, activation):
    """One Keras SimpleRNN step; ``x_proj = x_t @ kernel + bias``."""
    (h,) = state
    h = activation(x_proj + h @ recurrent_kernel)
    return h, (h,)
''',
}
