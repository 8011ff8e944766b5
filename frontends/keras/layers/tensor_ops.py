"""keras.ops operations in a functional graph -> the spec's tensor ops.

Each operation's attributes (``op.axis``, ``op.keepdims``...) and its call arguments are
read; operands that are not symbolic tensors are numbers (an op's ``scalar``) or arrays
(a ``constant`` node, shaped to the other operand's rank so that broadcasting never moves the
batch). What an op cannot express is refused with the operation's name and the reason.
"""

from __future__ import annotations

import itertools
from typing import Any

import keras
import numpy as np

from nnspec.spec.node import Node
from nnspec.spec.ops import constant as K
from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops import indexing as I
from nnspec.spec.ops import linalg as L
from nnspec.spec.ops import reduce as R
from nnspec.spec.ops import shape_ops as S
from nnspec.spec.ops import spatial_ops as P
from nnspec.spec.ops.activation import Activation, LeakyReLU, Softmax
from nnspec.spec.ops.merge import Add, Concatenate
from nnspec.spec.ops.permute import Permute
from nnspec.spec.ops.reshape import Reshape

from ...contexts import KerasLayerContext
from .._common import layer_refusal, operation_refusal, tensor_refs
from ..registry import from_layer


def _one_sample(arr: np.ndarray, op, ctx) -> np.ndarray:
    """A constant a custom layer computed at its trace's batch size (trace.py) as one
    sample, which broadcasts against any batch."""
    from ..trace import TraceRefused, unbroadcast

    try:
        return unbroadcast(arr, getattr(ctx, "trace_batch", None), "")
    except TraceRefused:
        raise operation_refusal(op, "a constant operand differs across the batch") from None


def _number(v) -> bool:
    return isinstance(v, int | float | bool | np.number)


class Operands:
    """The call's positional arguments as spec references, numbers or arrays."""

    def __init__(self, op, ctx: KerasLayerContext):
        self.op, self.ctx = op, ctx
        refs = tensor_refs(ctx)
        self.items: list[tuple[str, Any, tuple[int, ...]]] = []  # (kind, value, shape)
        for a in ctx.call_args:
            if isinstance(a, keras.KerasTensor):
                self.items.append(("tensor", refs[id(a)], tuple(a.shape)))
            elif isinstance(a, keras.Variable):  # a traced custom layer's own weight
                self.items.append(("variable", a, tuple(a.shape)))
            elif _number(a):
                self.items.append(("number", a.item() if hasattr(a, "item") else a, ()))
            else:
                try:
                    arr = np.asarray(keras.ops.convert_to_numpy(a))
                except Exception:  # noqa: BLE001 (anything that is not an array)
                    self.items.append(("other", a, ()))
                else:
                    if arr.dtype == np.float64:  # numpy's default; Keras computes in float32
                        arr = arr.astype(np.float32)
                    arr = _one_sample(arr, op, ctx)
                    if arr.ndim == 0:
                        self.items.append(("number", arr.item(), ()))
                    else:
                        self.items.append(("array", arr, arr.shape))
        self._constants = 0

    def rank(self) -> int:
        return max(len(s) for kind, _, s in self.items if kind == "tensor")

    def ref(self, k: int, broadcast: bool = True) -> str:
        """Operand ``k`` as a reference (an array becomes a constant node, of the other
        operands' rank unless ``broadcast`` is false: an einsum operand keeps its axes)."""
        kind, v, _ = self.items[k]
        if kind == "tensor":
            return v
        if kind == "variable":
            return self.ctx.variable(v, max(self.rank(), len(v.shape)) if broadcast else 0)
        if kind != "array":
            raise operation_refusal(
                self.op, f"operand {k} is {type(v).__name__} {v!r}, expected a tensor"
            )
        arr = v.reshape((1,) * ((self.rank() if broadcast else v.ndim) - v.ndim) + v.shape)
        dtype = "bool" if arr.dtype == bool else str(arr.dtype)
        self._constants += 1
        node = self.ctx.node(
            K.Constant,
            suffix=f"value{self._constants if self._constants > 1 else ''}",
            inputs=[],
            params={"value": arr},
            shape=list(arr.shape),
            dtype=dtype,
            trainable=False,
        )
        return node.id


def _single(op, ctx: KerasLayerContext, cls, **attrs):
    if len(ctx.inputs) != 1:
        raise operation_refusal(op, f"expected one tensor operand, got {len(ctx.inputs)}")
    return ctx.node(cls, **attrs)


UNARY = {
    "Absolute": "abs",
    "Negative": "neg",
    "Sign": "sign",
    "Exp": "exp",
    "Log": "log",
    "Log1p": "log1p",
    "Log2": "log2",
    "Log10": "log10",
    "Sqrt": "sqrt",
    "Rsqrt": "rsqrt",
    "Square": "square",
    "Reciprocal": "reciprocal",
    "Sin": "sin",
    "Cos": "cos",
    "Tanh": "tanh",
    "Erf": "erf",
    "Floor": "floor",
    "Ceil": "ceil",
    "Round": "round",
    "LogSigmoid": "log_sigmoid",
    "TanhShrink": "tanh_shrink",
    "LogicalNot": "logical_not",
}
_UNARY_OPS: tuple[type[Node], ...] = (*E.UNARY, E.LogicalNot)
_UNARY_CLASSES = {cls.tag(): cls for cls in _UNARY_OPS}


@from_layer(*(f"ops.{n}" for n in UNARY))
def unary(op, ctx: KerasLayerContext):
    if type(op).__name__ == "Round" and getattr(op, "decimals", None):
        raise operation_refusal(
            op, f"decimals={op.decimals} is not supported (rounding to integers only)"
        )
    return _single(op, ctx, _UNARY_CLASSES[UNARY[type(op).__name__]])


ACTIVATIONS = {
    "Relu": "relu",
    "Relu6": "relu6",
    "Sigmoid": "sigmoid",
    "Silu": "silu",
    "Softplus": "softplus",
    "Softsign": "softsign",
    "Selu": "selu",
    "Mish": "mish",
    "HardSigmoid": "hard_sigmoid",
    "HardSilu": "hard_silu",
    "Elu": "elu",
    "Celu": "celu",
    "HardTanh": "hard_tanh",
    "Squareplus": "squareplus",
    "SparsePlus": "sparse_plus",
    "SparseSigmoid": "sparse_sigmoid",
}


@from_layer(*(f"ops.{n}" for n in ACTIVATIONS))
def activation(op, ctx: KerasLayerContext):
    name = type(op).__name__
    if name == "Elu" and getattr(op, "alpha", 1.0) != 1.0:
        raise operation_refusal(
            op, f"alpha={op.alpha} is not supported (the elu activation has alpha 1)"
        )
    if name == "Celu" and getattr(op, "alpha", 1.0) != 1.0:
        raise operation_refusal(op, f"alpha={op.alpha} is not supported")
    if name == "Squareplus" and getattr(op, "b", 4) != 4:
        raise operation_refusal(op, f"b={op.b} is not supported")
    return _single(op, ctx, Activation, activation=ACTIVATIONS[name])


@from_layer("ops.LeakyRelu")
def leaky_relu(op, ctx: KerasLayerContext):
    return _single(op, ctx, LeakyReLU, negative_slope=float(op.negative_slope))


@from_layer("ops.Softmax", "ops.LogSoftmax")
def softmax(op, ctx: KerasLayerContext):
    axis = op.axis if isinstance(op.axis, int) else None
    if axis is None:
        raise operation_refusal(op, f"axis={op.axis!r}: one axis only")
    if type(op).__name__ == "LogSoftmax":
        if axis not in (-1, len(ctx.in_shapes[0]) - 1):
            raise operation_refusal(op, f"axis={axis}: log_softmax over the last axis only")
        return _single(op, ctx, Activation, activation="log_softmax")
    return _single(op, ctx, Softmax, axis=axis)


@from_layer("ops.HardShrink", "ops.SoftShrink")
def shrink(op, ctx: KerasLayerContext):
    kind = "hard" if type(op).__name__ == "HardShrink" else "soft"
    return _single(op, ctx, E.Shrink, kind=kind, lambd=float(op.threshold))


@from_layer("ops.Clip")
def clip(op, ctx: KerasLayerContext):
    lo, hi = op.x_min, op.x_max
    if not (_number(lo) or lo is None) or not (_number(hi) or hi is None):
        raise operation_refusal(op, "bounds must be numbers")
    return _single(
        op,
        ctx,
        E.Clip,
        min=None if lo is None else float(lo),
        max=None if hi is None else float(hi),
    )


@from_layer("ops.Cast")
def cast(op, ctx: KerasLayerContext):
    return _single(op, ctx, E.Cast, dtype=str(op.dtype))


BINARY = {
    "Divide": "divide",
    "TrueDivide": "divide",
    "FloorDivide": "floor_divide",
    "Mod": "mod",
    "Power": "power",
    "Equal": "equal",
    "NotEqual": "not_equal",
    "Less": "less",
    "LessEqual": "less_equal",
    "Greater": "greater",
    "GreaterEqual": "greater_equal",
    "LogicalAnd": "logical_and",
    "LogicalOr": "logical_or",
    "LogicalXor": "logical_xor",
}
_BINARY_CLASSES = {cls.tag(): cls for cls in E.BINARY}


def binary_node(op, ctx: KerasLayerContext, tag: str):
    """A binary op of a tensor with a tensor, an array or a number."""
    args = Operands(op, ctx)
    if len(args.items) != 2 or ctx.call_kwargs:
        raise operation_refusal(op, f"expected two positional operands, got {len(args.items)}")
    cls = _BINARY_CLASSES[tag]
    kinds = [k for k, _, _ in args.items]
    if kinds[0] == "number" or kinds[1] == "number":
        first = kinds[0] == "number"
        value = args.items[0 if first else 1][1]
        x = args.ref(1 if first else 0)
        return ctx.node(cls, inputs=[x], scalar=value, scalar_first=first)
    return ctx.node(cls, inputs=[args.ref(0), args.ref(1)])


@from_layer(*(f"ops.{n}" for n in BINARY if n not in ("Divide", "TrueDivide", "NotEqual")))
def binary(op, ctx: KerasLayerContext):
    return binary_node(op, ctx, BINARY[type(op).__name__])


@from_layer("ops.Where")
def where(op, ctx: KerasLayerContext):
    args = Operands(op, ctx)
    if len(args.items) != 3:
        raise operation_refusal(op, "expected where(condition, x1, x2)")
    cond = args.ref(0)
    attrs, refs = {}, [cond]
    for k, key in ((1, "a_scalar"), (2, "b_scalar")):
        if args.items[k][0] == "number":
            attrs[key] = args.items[k][1]
        else:
            refs.append(args.ref(k))
    return ctx.node(E.Where, inputs=refs, **attrs)


# --- reductions -----------------------------------------------------------------------


def _axis(op, ctx: KerasLayerContext):
    axis = op.axis
    if axis is None:
        raise operation_refusal(
            op, "axis=None also reduces the batch; give the axes within a sample"
        )
    axis = list(axis) if isinstance(axis, list | tuple) else int(axis)
    rank = len(ctx.in_shapes[0])
    axes = [axis] if isinstance(axis, int) else axis
    if any(a % rank == 0 for a in axes):
        raise operation_refusal(op, f"axis={op.axis!r} reduces the batch axis")
    return axis[0] if isinstance(axis, list) and len(axis) == 1 else axis


_REDUCE = {
    "Sum": R.Sum,
    "Mean": R.Mean,
    "Max": R.Max,
    "Min": R.Min,
    "Prod": R.Prod,
    "Var": R.Var,
    "Std": R.Std,
    "Logsumexp": R.Logsumexp,
    "Any": R.Any,
    "All": R.All,
    "Amax": R.Max,
    "Amin": R.Min,
}


def reduce_node(op, ctx: KerasLayerContext):
    name = type(op).__name__
    if getattr(op, "initial", None) is not None:
        raise operation_refusal(op, f"initial={op.initial!r} is not supported")
    return _single(op, ctx, _REDUCE[name], axis=_axis(op, ctx), keepdims=bool(op.keepdims))


@from_layer(*(f"ops.{n}" for n in _REDUCE if n != "Any"))
def reduce(op, ctx: KerasLayerContext):
    return reduce_node(op, ctx)


@from_layer("ops.Argmax", "ops.Argmin")
def arg(op, ctx: KerasLayerContext):
    if op.axis is None:
        raise operation_refusal(op, "axis=None searches the flattened batch")
    cls = R.Argmax if type(op).__name__ == "Argmax" else R.Argmin
    return _single(op, ctx, cls, axis=_axis(op, ctx), keepdims=bool(op.keepdims))


@from_layer("ops.Cumsum", "ops.Cumprod")
def cumsum(op, ctx: KerasLayerContext):
    if op.axis is None:
        raise operation_refusal(op, "axis=None flattens the batch")
    cls = R.Cumsum if type(op).__name__ == "Cumsum" else R.Cumprod
    return _single(op, ctx, cls, axis=_axis(op, ctx))


@from_layer("ops.Sort", "ops.Argsort")
def sort(op, ctx):
    node = _single(op, ctx, R.Sort, axis=_axis(op, ctx))
    return node if type(op).__name__ == "Sort" else f"{node.name}:1"  # argsort: the indices


@from_layer("ops.TopK")
def top_k(op, ctx):
    if not op.sorted:
        raise operation_refusal(op, "sorted=False leaves the order of the k values to the backend")
    return _single(op, ctx, R.TopK, k=int(op.k))


@from_layer("ops.Norm")
def norm(op, ctx: KerasLayerContext):
    ord_ = {None: 2, 2: 2, 1: 1, float("inf"): "inf", "inf": "inf"}.get(op.ord, "bad")
    axis = _axis(op, ctx)
    if ord_ == "bad" or isinstance(axis, list):
        raise operation_refusal(
            op, f"ord={op.ord!r}, axis={op.axis!r}: vector norms (1, 2, inf) over one axis"
        )
    return _single(op, ctx, R.Norm, axis=axis, keepdims=bool(op.keepdims), ord=ord_)


# --- linear algebra -------------------------------------------------------------------


@from_layer("ops.Matmul")
def matmul(op, ctx: KerasLayerContext):
    args = Operands(op, ctx)
    # matmul broadcasts leading axes itself: a (in, out) operand stays (in, out)
    return ctx.node(L.Matmul, inputs=[args.ref(0, broadcast=False), args.ref(1, broadcast=False)])


@from_layer("ops.Einsum")
def einsum(op, ctx: KerasLayerContext):
    args = Operands(op, ctx)
    return ctx.node(
        L.Einsum,
        inputs=[args.ref(k, broadcast=False) for k in range(len(args.items))],
        equation=op.subscripts,
    )


@from_layer("ops.DotProductAttention")
def dot_product_attention(op, ctx: KerasLayerContext):
    kw = ctx.call_kwargs
    if any(kw.get(k) is not None for k in ("bias", "mask")) or op.attn_logits_soft_cap is not None:
        raise operation_refusal(op, "bias, mask and logit soft caps are not supported yet")
    if len(ctx.inputs) != 3 or any(len(s) != 4 for s in ctx.in_shapes):
        raise operation_refusal(
            op, "expected query, key and value of shape (batch, length, heads, features)"
        )
    # Keras' layout is (N, L, heads, E): the spec's op runs heads first
    moved = [
        ctx.node(Permute, suffix=f"{n}_heads", inputs=[r], dims=[2, 1, 3]).name
        for n, r in zip("qkv", ctx.inputs)
    ]
    scale = kw.get("scale")
    att = ctx.node(
        L.ScaledDotProductAttention,
        suffix="attention",
        inputs=moved,
        causal=bool(op.is_causal),
        scale=None if scale is None else float(scale),
    )
    return ctx.node(Permute, inputs=[att.name], dims=[2, 1, 3])


# --- shapes and indexing --------------------------------------------------------------


@from_layer("ops.Squeeze")
def squeeze(op, ctx: KerasLayerContext):
    return _single(op, ctx, S.Squeeze, axis=None if op.axis is None else _axis(op, ctx))


@from_layer("ops.ExpandDims")
def expand_dims(op, ctx: KerasLayerContext):
    axis = op.axis
    if not isinstance(axis, int):
        raise operation_refusal(op, f"axis={axis!r}: one axis only")
    return _single(op, ctx, S.ExpandDims, axis=axis)


@from_layer("ops.Reshape")
def reshape(op, ctx: KerasLayerContext):
    shape = list(op.newshape)
    batch = ctx.in_shapes[0][0]
    if shape[0] not in (-1, None, batch) or -1 in shape[1:] and shape[0] == -1:
        raise operation_refusal(op, f"newshape={tuple(op.newshape)} does not keep the batch first")
    return _single(op, ctx, Reshape, target_shape=shape[1:])


@from_layer("ops.Transpose", "ops.Swapaxes")
def transpose(op, ctx: KerasLayerContext):
    rank = len(ctx.in_shapes[0])
    if type(op).__name__ == "Swapaxes":
        axes = list(range(rank))
        a, b = op.axis1 % rank, op.axis2 % rank
        axes[a], axes[b] = axes[b], axes[a]
    else:
        axes = list(range(rank))[::-1] if op.axes is None else [a % rank for a in op.axes]
    if axes[0] != 0:
        raise operation_refusal(op, f"axes={axes} move the batch axis")
    return _single(op, ctx, Permute, dims=axes[1:])


@from_layer("ops.Tile")
def tile(op, ctx: KerasLayerContext):
    reps = [int(r) for r in op.repeats]
    rank = len(ctx.in_shapes[0])
    reps = [1] * (rank - len(reps)) + reps
    if len(reps) != rank or reps[0] != 1:
        raise operation_refusal(op, f"repeats={op.repeats!r} repeat the batch or add axes")
    return _single(op, ctx, S.Tile, repeats=reps[1:])


@from_layer("ops.Repeat")
def repeat(op, ctx: KerasLayerContext):
    if op.axis is None or not isinstance(op.repeats, int):
        raise operation_refusal(op, "needs an axis and one repeat count")
    return _single(op, ctx, S.RepeatInterleave, repeats=op.repeats, axis=_axis(op, ctx))


@from_layer("ops.Split")
def split(op, ctx: KerasLayerContext):
    axis = _axis(op, ctx)
    n = ctx.in_shapes[0][axis]
    cuts = op.indices_or_sections
    if isinstance(cuts, int):
        if not isinstance(n, int) or n % cuts:
            raise operation_refusal(op, f"{cuts} equal sections of an axis of size {n}")
        sizes = [n // cuts] * cuts
    else:
        bounds = [0, *cuts, n]
        sizes = [b - a for a, b in itertools.pairwise(bounds)]
    return _single(op, ctx, S.Split, sizes=sizes, axis=axis)


@from_layer("ops.Stack", "ops.Concatenate")
def stack(op, ctx: KerasLayerContext):
    """Every operand in order; a fixed array (a ViT class token) is broadcast to the batch
    first, as ``zeros(batch) + array``, since a concatenation takes no broadcasting."""
    cls = S.Stack if type(op).__name__ == "Stack" else Concatenate
    items = ctx.call_args[0] if len(ctx.call_args) == 1 else ctx.call_args
    if not isinstance(items, list | tuple):
        raise operation_refusal(op, "expected a list of tensors")
    refs = tensor_refs(ctx)
    tensors = [refs[id(t)] for t in items if isinstance(t, keras.KerasTensor)]
    if len(tensors) == len(items):
        return ctx.node(cls, axis=op.axis)
    first = next(t for t in items if isinstance(t, keras.KerasTensor))
    rank, inputs = len(first.shape), []
    for k, item in enumerate(items):
        if isinstance(item, keras.KerasTensor):
            inputs.append(refs[id(item)])
            continue
        arr = _one_sample(np.asarray(keras.ops.convert_to_numpy(item)), op, ctx)
        if arr.ndim != rank or arr.shape[0] != 1:
            raise operation_refusal(
                op, f"operand {k}: an array of shape {arr.shape} is not one sample"
            )
        value = ctx.node(
            K.Constant,
            suffix=f"operand{k}",
            inputs=[],
            params={"value": arr.astype(np.float32) if arr.dtype == np.float64 else arr},
            shape=list(arr.shape),
            dtype=str(arr.dtype) if arr.dtype != np.float64 else "float32",
            trainable=False,
        )
        zeros = ctx.node(K.ZerosLike, suffix=f"operand{k}_zeros", inputs=[refs[id(first)]])
        batch = ctx.node(
            R.Sum,
            suffix=f"operand{k}_batch",
            inputs=[zeros.name],
            axis=list(range(1, rank)),
            keepdims=True,
        )
        inputs.append(ctx.node(Add, suffix=f"operand{k}_broadcast", inputs=[batch.id, value.id]).id)
    return ctx.node(cls, inputs=inputs, axis=op.axis)


@from_layer("ops.Flip")
def flip(op, ctx: KerasLayerContext):
    return _single(op, ctx, S.Flip, axis=_axis(op, ctx))


@from_layer("ops.Roll")
def roll(op, ctx: KerasLayerContext):
    if op.axis is None:
        raise operation_refusal(op, "axis=None rolls the flattened batch")
    shifts = op.shift if isinstance(op.shift, list | tuple) else [op.shift]
    axes = op.axis if isinstance(op.axis, list | tuple) else [op.axis]
    _axis(op, ctx)
    return _single(op, ctx, S.Roll, shift=list(shifts), axis=list(axes))


@from_layer("ops.Pad")
def pad(op, ctx: KerasLayerContext):
    widths = [tuple(int(v) for v in p) for p in op.pad_width]
    if len(widths) != len(ctx.in_shapes[0]) or widths[0] != (0, 0):
        raise operation_refusal(
            op, f"pad_width={op.pad_width!r}: one pair per axis, none on the batch"
        )
    modes = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}
    if op.mode not in modes:
        raise operation_refusal(op, f"mode={op.mode!r} is not supported")
    value = ctx.call_kwargs.get("constant_values")
    value = 0.0 if value is None else value
    if not _number(value):
        raise operation_refusal(op, "constant_values must be a number")
    return _single(op, ctx, S.Pad, pads=widths[1:], mode=modes[op.mode], value=float(value))


@from_layer("ops.DepthToSpace", "ops.SpaceToDepth")
def depth_to_space(op, ctx: KerasLayerContext):
    if getattr(op, "data_format", "channels_last") != "channels_last":
        raise operation_refusal(op, "channels_first is not supported")
    cls = S.DepthToSpace if type(op).__name__ == "DepthToSpace" else S.SpaceToDepth
    return _single(op, ctx, cls, block_size=op.block_size)


@from_layer("ops.GetItem")
def get_item(op, ctx: KerasLayerContext):
    """``x[...]`` with slices (negative steps: a flip first), integers, ``None`` and ``...`` ->
    flip, slice, squeeze, expand_dims."""
    key = ctx.call_args[1]
    key = key if isinstance(key, tuple) else (key,)
    rank = len(ctx.in_shapes[0])
    if sum(k is Ellipsis for k in key) > 1:
        raise operation_refusal(op, "more than one ... in an index")
    used = sum(k is not None and k is not Ellipsis for k in key)
    if used > rank:
        raise operation_refusal(op, f"index {key!r} has more entries than rank {rank}")
    full = []
    for k in key:
        full += [slice(None)] * (rank - used) if k is Ellipsis else [k]
    if Ellipsis not in key:
        full += [slice(None)] * (rank - used)
    axes, starts, stops, steps, drop, new, flips = [], [], [], [], [], [], []
    axis = 0  # axis of the input
    out_axis = 0
    for k in full:
        if k is None:
            new.append(out_axis)
            out_axis += 1
            continue
        if isinstance(k, slice):
            if k != slice(None):
                if axis == 0:
                    raise operation_refusal(op, "slices the batch axis")
                if k.step is not None and k.step < 0:  # x[:, ::-1]: a flip, then a slice
                    n = ctx.in_shapes[0][axis]
                    picked = list(range(*k.indices(n))) if isinstance(n, int) else []
                    if not picked:
                        raise operation_refusal(op, f"step {k.step} on an axis of size {n}")
                    flips.append(axis)
                    k = slice(n - 1 - picked[0], n - picked[-1], -k.step)
                axes.append(axis)
                starts.append(k.start)
                stops.append(k.stop)
                steps.append(k.step or 1)
            out_axis += 1
        elif isinstance(k, int) and not isinstance(k, bool):
            if axis == 0:
                raise operation_refusal(op, "indexes the batch axis")
            axes.append(axis)
            starts.append(k)
            stops.append(k + 1 if k != -1 else None)
            steps.append(1)
            drop.append(axis)
        else:
            raise operation_refusal(
                op, f"index {k!r} (tensors and lists as indices are not supported)"
            )
        axis += 1
    ref = ctx.inputs[0]
    last = None
    if flips:
        last = ctx.node(S.Flip, suffix="flip", inputs=[ref], axis=flips)
        ref = last.name
    if axes:
        last = ctx.node(
            I.Slice,
            suffix="slice" if drop or new else "",
            inputs=[ref],
            axes=axes,
            starts=starts,
            stops=stops,
            steps=steps if any(s != 1 for s in steps) else None,
        )
        ref = last.id
    if drop:
        last = ctx.node(S.Squeeze, suffix="squeeze" if new else "", inputs=[ref], axis=drop)
        ref = last.id
    for k, a in enumerate(new):
        if a == 0:
            raise operation_refusal(op, "adds an axis before the batch")
        last = ctx.node(
            S.ExpandDims, suffix=f"expand{k}" if k < len(new) - 1 else "", inputs=[ref], axis=a
        )
        ref = last.id
    return last if last is not None else ref


@from_layer("ops.Take")
def take(op, ctx: KerasLayerContext):
    indices = ctx.call_args[1]
    if isinstance(indices, keras.KerasTensor) or op.axis is None:
        raise operation_refusal(
            op, "needs fixed indices and an axis (tensor indices: take_along_axis)"
        )
    flat = np.asarray(indices)
    if flat.ndim != 1:
        raise operation_refusal(op, "indices must be a flat list")
    return _single(op, ctx, I.Take, indices=[int(i) for i in flat], axis=_axis(op, ctx))


@from_layer("ops.TakeAlongAxis")
def take_along_axis(op, ctx: KerasLayerContext):
    if op.axis is None:
        raise operation_refusal(op, "axis=None flattens the batch")
    return ctx.node(I.TakeAlongAxis, axis=_axis(op, ctx))


@from_layer("ops.ZerosLike", "ops.OnesLike", "ops.FullLike")
def like(op, ctx: KerasLayerContext):
    dtype = None if op.dtype is None else str(op.dtype)
    name = type(op).__name__
    if name == "FullLike":
        value = ctx.call_args[1]
        if not _number(value):
            raise operation_refusal(op, "fill_value must be a number")
        return _single(op, ctx, K.FullLike, value=value, dtype=dtype)
    return _single(op, ctx, K.ZerosLike if name == "ZerosLike" else K.OnesLike, dtype=dtype)


@from_layer("AdaptiveAveragePooling2D", "AdaptiveMaxPooling2D")
def adaptive_pool(layer, ctx: KerasLayerContext):
    ctx.require("data_format", "channels_last")
    size = tuple(int(v) for v in ctx.config["output_size"])
    cls = P.AdaptiveAvgPool2D if "Average" in type(layer).__name__ else P.AdaptiveMaxPool2D
    return ctx.node(cls, output_size=size)


@from_layer("Constant")
def constant_layer(layer, ctx: KerasLayerContext):
    """nnspec's own ``Constant`` layer (generated Keras source), matched by registered name."""
    if keras.saving.get_registered_name(type(layer)) != "nnspec>Constant":
        raise layer_refusal(
            layer, "a custom layer named Constant that is not nnspec's; its call cannot be read"
        )
    value = np.asarray(layer.value.numpy())
    return ctx.node(
        K.Constant,
        inputs=[],
        params={"value": value},
        shape=list(value.shape),
        dtype=str(value.dtype),
        trainable=bool(layer.trainable),
    )
