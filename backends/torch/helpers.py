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
}
