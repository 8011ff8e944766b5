"""keras.ops operations recorded in a functional graph -> existing ops.

Arithmetic on symbolic tensors (``x + 3.0``, ``x * (1 / 6)``, ``inputs + y``) records a
keras.ops operation, not a layer; keras.applications' MobileNetV3 (hard sigmoid) and
ConvNeXt (residual sums) are built that way. A tensor and a constant (a number, or one value
per channel) become ``rescaling``; two tensors become the merge op of the same name.
Registered under ``ops.<Class>`` (see ``registry.layer_key``) so they never meet the layers
``keras.layers.Add`` / ``Multiply`` of the same class name.
"""

import keras
import numpy as np

from nnspec.spec.errors import ConversionError
from nnspec.spec.ops.elementwise import Cast, Clip
from nnspec.spec.ops.merge import Add, Maximum, Minimum, Multiply, Subtract
from nnspec.spec.ops.rescaling import Rescaling

from ...contexts import KerasLayerContext
from .._common import operation_refusal
from ..registry import from_layer
from .tensor_ops import Operands, binary_node

_LAYERS_HINT = "build the model from layers (keras.layers.Add, Rescaling, ...)"

_MERGE = {
    "Add": Add,
    "Subtract": Subtract,
    "Multiply": Multiply,
    "Maximum": Maximum,
    "Minimum": Minimum,
}
_SYMBOLS = {
    "Add": "+",
    "Subtract": "-",
    "Multiply": "*",
    "Divide": "/",
    "TrueDivide": "/",
    "Maximum": "max",
    "Minimum": "min",
}


def _is_number_like(v) -> bool:
    """A number, or an array of up to one axis (per channel) that ``rescaling`` can hold."""
    return np.ndim(v) <= 1 and not _is_tensor(v) and not isinstance(v, keras.Variable)


def _is_tensor(v) -> bool:
    return isinstance(v, keras.KerasTensor)  # the class, not a name: any object has a shape


def _constant(value, ctx: KerasLayerContext, channels):
    """A number, or a 1-D array with one value per channel, as a rescaling attribute."""
    a = np.asarray(value, dtype=np.float64)
    rank = len(ctx.in_shapes[0]) if ctx.in_shapes else None
    fits = rank is None or a.ndim <= rank  # a constant of higher rank would add axes
    flat = a.reshape(-1)
    if fits and a.size == 1:
        return float(flat[0])
    if fits and a.shape[-1] == flat.size and (channels is None or flat.size == channels):
        return [float(v) for v in flat]
    raise operation_refusal(
        ctx.layer,
        f"a constant of shape {a.shape} (only a number or one value per "
        "channel, the last axis, is supported)",
        hint=_LAYERS_HINT,
    )


def _tensor_op(op, ctx: KerasLayerContext):
    """The general form: a tensor op with a scalar, or with a constant node for an array."""
    name = type(op).__name__
    args = Operands(op, ctx)
    kinds = [k for k, _, _ in args.items]
    if name in ("Divide", "TrueDivide"):
        return binary_node(op, ctx, "divide")
    if "number" in kinds and name in ("Maximum", "Minimum"):
        value = float(args.items[kinds.index("number")][1])
        x = args.ref(1 - kinds.index("number"))
        bound = {"min": value} if name == "Maximum" else {"max": value}
        return ctx.node(Clip, inputs=[x], **bound)
    if "number" in kinds:
        raise operation_refusal(
            ctx.layer,
            "a number operand is supported for +, -, *, /, maximum and minimum",
            hint=_LAYERS_HINT,
        )
    refs = [args.ref(0), args.ref(1)]
    return ctx.node(_MERGE[name], inputs=_promoted(op, ctx, args, refs))


def _promoted(op, ctx, args, refs: list[str]) -> list[str]:
    """Operands cast to the dtype Keras computes in (``minimum(int32 mask, bool mask)`` is
    int32): a merge op takes operands of one dtype."""
    out = str(op._inbound_nodes[0].outputs[0].dtype) if op._inbound_nodes else None
    kinds = [(kind, v) for kind, v, _ in args.items]
    dtypes = [
        str(v.dtype) if kind in ("array", "variable") else str(a.dtype)
        for (kind, v), a in zip(kinds, ctx.call_args)
    ]
    if out is None or all(d == out for d in dtypes):
        return refs
    return [
        r if d == out else ctx.node(Cast, suffix=f"cast{k}", inputs=[r], dtype=out).name
        for k, (r, d) in enumerate(zip(refs, dtypes))
    ]


@from_layer(*(f"ops.{name}" for name in _SYMBOLS))
def keras_ops(op, ctx: KerasLayerContext):
    name = type(op).__name__
    args = list(ctx.call_args)
    if ctx.call_kwargs or len(args) != 2:
        raise operation_refusal(
            ctx.layer,
            f"expected two positional operands, got {len(args)} and keywords "
            f"{sorted(ctx.call_kwargs)}",
            hint=_LAYERS_HINT,
        )
    tensors = [_is_tensor(a) for a in args]
    if not any(tensors):
        raise operation_refusal(ctx.layer, "no tensor operand", hint=_LAYERS_HINT)
    if all(tensors) and name in _MERGE and len(set(map(len, ctx.in_shapes))) == 1:
        return ctx.node(_MERGE[name])
    if all(tensors) or not all(_is_number_like(a) for a, t in zip(args, tensors) if not t):
        return _tensor_op(op, ctx)
    channels = ctx.in_shapes[0][-1] if ctx.in_shapes and ctx.in_shapes[0] else None
    first = tensors[0]  # x (op) c, or c (op) x
    try:
        c = _constant(args[1] if first else args[0], ctx, channels)
    except ConversionError:  # not a number or one value per channel: a constant node
        return _tensor_op(op, ctx)
    neg = [-v for v in c] if isinstance(c, list) else -c
    scale: float | list[float]
    offset: float | list[float]
    if name == "Add":
        scale, offset = 1.0, c
    elif name == "Subtract":
        scale, offset = (1.0, neg) if first else (-1.0, c)
    elif name == "Multiply":
        scale, offset = c, 0.0
    elif name in ("Divide", "TrueDivide") and first:
        scale, offset = ([1.0 / v for v in c] if isinstance(c, list) else 1.0 / c), 0.0
    else:  # c / x, maximum, minimum
        return _tensor_op(op, ctx)
    return ctx.node(Rescaling, scale=scale, offset=offset)
