"""global max/avg pooling 1-3 D -> a reduction over the spatial axes, where they are in the
input's layout: ``x.mean(dim=(2, 3))`` channels-first, ``x.mean(dim=(1, 2))`` channels-last."""

from nnspec.spec.ops.global_pool import (
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
)

from ...codegen_common import literal
from ...contexts import TorchContext
from ..layout import follow
from ..registry import converter

_MAX = (GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D)


@converter(*_MAX, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D, layout=follow)
def global_pool(node, ctx: TorchContext) -> str:
    reduce = "amax" if isinstance(node, _MAX) else "mean"
    dims = tuple(ctx.dim(a) for a in range(1, node.rank + 1))
    keep = ", keepdim=True" if node.keepdims else ""
    return f"{ctx.x}.{reduce}(dim={literal(dims if len(dims) > 1 else dims[0])}{keep})"
