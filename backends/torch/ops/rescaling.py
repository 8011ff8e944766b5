"""Rescaling ``x * scale + offset``. Per-channel values become tensors made on the input's
device in forward (constants, not weights: Keras counts no parameters here either)."""

from nnspec.spec.ops.rescaling import FLOATS, Rescaling

from ...codegen_common import literal
from ...contexts import TorchContext
from ..describe import Op
from ..layout import canonical, elementwise
from ..registry import converter


def _layout(node: Rescaling, types, have):
    """Numbers apply in any layout; per-channel lists are along the canonical last axis."""
    if isinstance(node.scale, list) or isinstance(node.offset, list):
        return canonical(node, types, have)
    return elementwise(node, types, have)


@converter(Rescaling, layout=_layout)
def rescaling(node: Rescaling, ctx: TorchContext) -> Op | str:
    x = ctx.x
    statements: tuple[str, ...] = ()
    if ctx.in_types[0].dtype not in FLOATS:  # integer inputs give float32
        if isinstance(node.scale, list) or isinstance(node.offset, list):
            x = ctx.temp("float")  # read twice below (new_tensor takes its dtype and device)
            statements = (f"{x} = {ctx.x}.float()",)
        else:
            x = f"{ctx.x}.float()"

    def value(v):
        if isinstance(v, list):
            return f"{x}.new_tensor({literal([float(i) for i in v])})"
        return literal(float(v))

    y = x if node.scale == 1.0 else f"{x} * {value(node.scale)}"  # x * 1.0 is x, exactly
    if node.offset != 0.0:
        y += f" + {value(node.offset)}"
    if y == ctx.x:  # Rescaling(1.0) of a float tensor: the identity, no line
        return ctx.x
    return Op(y, statements=statements)
