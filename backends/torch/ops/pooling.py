"""max/avg pooling 1-3 D -> ``nn.MaxPool{n}d`` / ``nn.AvgPool{n}d`` on a channels-first view.

'same' padding as Keras (TensorFlow) does it: the odd extra cell goes after, max pooling
never picks a padded cell, and average pooling divides by the number of input cells the
window covers. Symmetric padding maps to the layer's own ``padding`` (with
``count_include_pad=False`` for averages); asymmetric padding is explicit: ``-inf`` cells for
max pooling, and for averages the window sums are divided by the pooled count of a ones tensor.
"""

from nnspec.spec.ops.pooling import AvgPool1D, AvgPool2D, AvgPool3D, MaxPool1D, MaxPool2D, MaxPool3D
from nnspec.spec.types import same_padding

from ...codegen_common import non_default, squeeze
from .._common import channels_first, channels_last
from ..codegen import literal
from ..registry import converter

_MAX = (MaxPool1D, MaxPool2D, MaxPool3D)


def same_pads(x_type, kernel, strides) -> list[tuple[int, int]] | None:
    """Keras' (before, after) 'same' padding per spatial axis; None if a size is unknown
    and the padding depends on it (stride above 1)."""
    pairs = []
    for size, k, s in zip(x_type.shape[1:-1], kernel, strides):
        if isinstance(size, int):
            pairs.append(same_padding(size, k, s))
        elif s == 1:
            pairs.append(((k - 1) // 2, k - 1 - (k - 1) // 2))
        else:
            return None
    return pairs


def flat_pads(pairs) -> list[int]:
    """F.pad's order: last axis first."""
    return [p for pair in reversed(pairs) for p in pair]


@converter(*_MAX, AvgPool1D, AvgPool2D, AvgPool3D)
def pooling(node, ctx) -> str:
    is_max = isinstance(node, _MAX)
    kernel, strides = node.pool_size, node.window_strides
    cls = f"nn.{'Max' if is_max else 'Avg'}Pool{node.rank}d"
    kwargs = {} if strides == kernel else {"stride": squeeze(strides)}
    x = channels_first(ctx.x)

    pairs = same_pads(ctx.in_types[0], kernel, strides) if node.padding == "same" else None
    if node.padding == "valid" or (pairs and all(a == b for a, b in pairs)):
        padding = tuple(a for a, _ in pairs) if pairs else (0,) * node.rank
        kwargs.update(non_default({"padding": 0}, padding=padding))
        if not is_max and "padding" in kwargs:
            kwargs["count_include_pad"] = False
        pool = ctx.module(cls, squeeze(kernel), **kwargs)
        return channels_last(f"{pool}({x})")

    pool = ctx.module(cls, squeeze(kernel), **kwargs)
    if pairs:
        pads = literal(flat_pads(pairs))

        def pad(t, value=None):
            return f"F.pad({t}, {pads}" + (f", value={literal(value)})" if value else ")")
    else:  # spatial sizes unknown: pad at run time

        def pad(t, value=None):
            args = ", ".join(literal(v) for v in (kernel, strides, (1,) * node.rank))
            return f"{ctx.helper('same_pad')}({t}, {args}" + (
                f", value={literal(value)})" if value else ")"
            )

    if is_max:
        return channels_last(f"{pool}({pad(x, float('-inf'))})")
    # Mean over the input cells only: window sums of x over window sums of ones.
    count = ctx.temp("count")
    ones = channels_first(f"torch.ones_like({ctx.x}[:1, ..., :1])")
    ctx.stmt(f"{count} = {pool}({pad(ones)})  # share of each window inside the input")
    return channels_last(f"({pool}({pad(x)}) / {count})")
