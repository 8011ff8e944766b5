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
}
