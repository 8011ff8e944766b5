"""max/avg pooling 1-3 D -> ``layers.MaxPooling{n}D`` / ``layers.AveragePooling{n}D``."""

from nnspec.spec.ops.pooling import AvgPool1D, AvgPool2D, AvgPool3D, MaxPool1D, MaxPool2D, MaxPool3D

from ...codegen_common import non_default, squeeze
from ...contexts import KerasContext
from ..registry import converter

_MAX = (MaxPool1D, MaxPool2D, MaxPool3D)


@converter(*_MAX, AvgPool1D, AvgPool2D, AvgPool3D)
def pooling(node, ctx: KerasContext) -> str:
    kind = "MaxPooling" if isinstance(node, _MAX) else "AveragePooling"
    kwargs = non_default({"padding": "valid"}, padding=node.padding)
    if node.strides is not None and node.strides != node.pool_size:
        kwargs["strides"] = squeeze(node.strides)
    layer = ctx.layer(f"layers.{kind}{node.rank}D", squeeze(node.pool_size), **kwargs)
    return f"{layer}({ctx.x})"
