"""global max/avg pooling 1-3 D -> a reduction over the spatial axes of the channels-last
tensor: ``x.mean(dim=(1, 2))`` / ``x.amax(dim=(1, 2))``."""

from nnspec.spec.ops.global_pool import (
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
)

from ..codegen import literal
from ..registry import converter

_MAX = (GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D)


@converter(*_MAX, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D)
def global_pool(node, ctx) -> str:
    reduce = "amax" if isinstance(node, _MAX) else "mean"
    dims = tuple(range(1, node.rank + 1))
    keep = ", keepdim=True" if node.keepdims else ""
    return f"{ctx.x}.{reduce}(dim={literal(dims if len(dims) > 1 else dims[0])}{keep})"
