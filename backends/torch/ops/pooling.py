"""max/avg pooling 1-3 D -> ``nn.MaxPool{n}d`` / ``nn.AvgPool{n}d`` on the channels-first input.

'same' padding as Keras (TensorFlow) does it: the odd extra cell goes after, max pooling
never picks a padded cell, and average pooling divides by the number of input cells the
window covers. Symmetric padding with stride 1 maps to the layer's own ``padding`` (with
``count_include_pad=False`` for averages). Otherwise the padding is explicit in ``forward``
(it depends on the input size; see conv.py): ``-inf`` cells for max pooling, and for averages
the window sums are divided by the pooled count of a ones tensor. A zero padding before a
'valid' pooling may be folded into its ``padding`` (codegen.foldable_padding says where).
"""

from nnspec.spec.ops.pooling import AvgPool1D, AvgPool2D, AvgPool3D, MaxPool1D, MaxPool2D, MaxPool3D

from ...codegen_common import non_default, squeeze
from ...contexts import TorchContext
from ..describe import Module, Op
from ..layout import channels_first
from ..registry import converter
from .conv import pad, same_pairs

_MAX = (MaxPool1D, MaxPool2D, MaxPool3D)


@converter(*_MAX, AvgPool1D, AvgPool2D, AvgPool3D, layout=channels_first)
def pooling(node, ctx: TorchContext) -> Op:
    is_max = isinstance(node, _MAX)
    kernel, strides = node.pool_size, node.window_strides
    window = (kernel, strides, (1,) * node.rank)
    kwargs = {}
    if strides != kernel:
        kwargs["stride"] = squeeze(strides)
    cls = f"nn.{'Max' if is_max else 'Avg'}Pool{node.rank}d"
    x, pool = ctx.x, ctx.attr()

    pairs = same_pairs(ctx.in_types[0], *window) if node.padding == "same" else None
    stride1 = all(s == 1 for s in strides)
    if pairs is not None and stride1 and all(a == b for a, b in pairs):
        # Symmetric padding that does not depend on the input size: the layer pads.
        kwargs.update(non_default({"padding": 0}, padding=tuple(a for a, _ in pairs)))
        if not is_max and "padding" in kwargs:
            kwargs["count_include_pad"] = False
        return Op(f"{pool}({x})", modules={pool: Module(cls, (squeeze(kernel),), kwargs)})
    if ctx.padding_before:  # a zero padding folded in (codegen.foldable_padding)
        kwargs["padding"] = squeeze(ctx.padding_before)
    modules = {pool: Module(cls, (squeeze(kernel),), kwargs)}
    if node.padding == "valid" or (pairs and not any(a or b for a, b in pairs)):
        return Op(f"{pool}({x})", modules=modules)
    if is_max:
        return Op(f"{pool}({pad(ctx, x, pairs, window, float('-inf'))})", modules=modules)
    # Mean over the input cells only: window sums of x over window sums of ones.
    count = ctx.temp("count")
    ones = f"torch.ones_like({x}[:1, :1])"
    counting = f"{count} = {pool}({pad(ctx, ones, pairs, window)})  # input cells per window"
    return Op(f"{pool}({pad(ctx, x, pairs, window)}) / {count}", modules, statements=(counting,))
