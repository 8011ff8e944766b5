"""global max/avg pooling 1-3 D -> ``layers.GlobalMaxPooling{n}D`` /
``layers.GlobalAveragePooling{n}D``."""

from nnspec.spec.ops.global_pool import (
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
)

from ...contexts import KerasContext
from ..registry import converter

_MAX = (GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D)


@converter(*_MAX, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D)
def global_pool(node, ctx: KerasContext) -> str:
    kind = "GlobalMaxPooling" if isinstance(node, _MAX) else "GlobalAveragePooling"
    kwargs = {"keepdims": True} if node.keepdims else {}
    return f"{ctx.layer(f'layers.{kind}{node.rank}D', **kwargs)}({ctx.x})"
