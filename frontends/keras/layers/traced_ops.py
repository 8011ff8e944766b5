"""keras.ops operations that custom layers use and functional models rarely do:
``ops.conv`` with a kernel the layer computed (a weight-standardised convolution) and
``ops.image.extract_patches`` (ViT's patch layer)."""

from __future__ import annotations

import numpy as np

from nnspec.spec.ops import elementwise as E
from nnspec.spec.ops.activation import Softmax
from nnspec.spec.ops.conv import Conv1D, Conv2D, Conv3D
from nnspec.spec.ops.permute import Permute
from nnspec.spec.ops.reshape import Reshape

from .._common import layer_refusal
from .._common import operation_refusal as refuse
from ..registry import from_layer
from .tensor_ops import Operands

_CONV = {3: Conv1D, 4: Conv2D, 5: Conv3D}


def _tuple(v, n: int) -> tuple[int, ...]:
    return tuple(v) if isinstance(v, list | tuple) else (int(v),) * n


@from_layer("ops.Conv")
def conv(op, ctx):
    """A convolution by a kernel that is not an input of the graph (computed once from the
    layer's variables), as a conv node holding that kernel."""
    args = Operands(op, ctx)
    kinds = [k for k, _, _ in args.items]
    if kinds[:2] not in (["tensor", "array"], ["tensor", "variable"]) or ctx.call_kwargs:
        raise refuse(op, "the kernel must be a fixed array or a variable, not a graph tensor")
    if op.data_format not in (None, "channels_last"):
        raise refuse(op, f"data_format={op.data_format!r}: nnspec models are channels-last")
    kernel = np.asarray(args.items[1][1], dtype=np.float32)
    cls = _CONV.get(kernel.ndim)
    if cls is None or kernel.ndim != len(ctx.in_shapes[0]):
        raise refuse(op, f"a kernel of shape {kernel.shape} for input {ctx.in_shapes[0]}")
    n = kernel.ndim - 2
    channels = ctx.in_shapes[0][-1]
    if channels is None or channels % kernel.shape[-2]:
        raise refuse(op, f"input channels {channels} do not divide by {kernel.shape[-2]}")
    padding = op.padding.lower()
    if padding not in ("valid", "same"):
        raise refuse(op, f"padding={op.padding!r}")
    return ctx.node(
        cls,
        inputs=[args.ref(0)],
        filters=int(kernel.shape[-1]),
        kernel_size=kernel.shape[:n],
        strides=_tuple(op.strides, n),
        padding=padding,
        dilation_rate=_tuple(op.dilation_rate, n),
        groups=channels // kernel.shape[-2],
        use_bias=False,
        params={"kernel": kernel},
    )


@from_layer("ops.ExtractPatches")
def extract_patches(op, ctx):
    """Non-overlapping patches (strides = size, valid padding, no dilation) are a reshape
    and a transpose: (N, H, W, C) -> (N, H/p, W/q, p*q*C), each patch row-major then channels,
    the order of Keras' own identity-kernel convolution."""
    size = _tuple(op.size, 2)
    strides = size if op.strides is None else _tuple(op.strides, 2)
    shape = ctx.in_shapes[0]
    if len(size) != 2 or len(shape) != 4:
        raise refuse(op, "only 2-D patches of (N, H, W, C) images are supported")
    if strides != size or _tuple(op.dilation_rate, 2) != (1, 1) or op.padding != "valid":
        raise refuse(
            op,
            f"strides={op.strides!r}, dilation_rate={op.dilation_rate!r}, "
            f"padding={op.padding!r}: only non-overlapping valid patches are supported",
        )
    if op.data_format not in (None, "channels_last"):
        raise refuse(op, f"data_format={op.data_format!r}: nnspec models are channels-last")
    (p, q), (h, w, c) = size, shape[1:]
    if None in (h, w, c) or h % p or w % q:
        raise refuse(op, f"image size {(h, w)} must be static and divisible by {size}")
    grid = ctx.node(Reshape, suffix="grid", target_shape=[h // p, p, w // q, q, c])
    moved = ctx.node(Permute, suffix="order", inputs=[grid.name], dims=[1, 3, 2, 4, 5])
    return ctx.node(Reshape, inputs=[moved.name], target_shape=[h // p, w // q, p * q * c])


@from_layer("ops.Moveaxis")
def moveaxis(op, ctx):
    """``moveaxis(x, source, destination)`` as the permutation numpy gives it (rotary
    embeddings move the sequence axis)."""
    rank = len(ctx.in_shapes[0])
    src, dst = (
        [a % rank for a in ([v] if isinstance(v, int) else v)] for v in (op.source, op.destination)
    )
    axes = [a for a in range(rank) if a not in src]
    for d, a in sorted(zip(dst, src)):  # numpy's rule
        axes.insert(d, a)
    if axes[0] != 0 or len(ctx.inputs) != 1:
        raise refuse(op, f"source={op.source!r}, destination={op.destination!r} move the batch")
    return ctx.node(Permute, dims=axes[1:])


def explicit_masked_softmax(ctx, axis: int):
    """``keras.layers.Softmax()(x, mask=m)`` as Keras computes it: masked positions get
    -1e9 before the softmax and 0 after it (a mask that is not boolean means ``m > 0.5``)."""
    given = [*ctx.call_args, *ctx.call_kwargs.values()]
    if len(ctx.inputs) != 2 or len(given) != 2 or set(ctx.call_kwargs) - {"mask"}:
        raise layer_refusal(ctx.layer, "expected softmax(x, mask)")
    x, mask = ctx.inputs
    if str(given[1].dtype) != "bool":
        mask = ctx.node(E.Greater, suffix="mask", inputs=[mask], scalar=0.5).name
    if str(given[0].dtype) == "float16":
        raise layer_refusal(ctx.layer, "a float16 masked softmax")
    kept = ctx.node(E.Where, suffix="masked", inputs=[mask, x], b_scalar=-1e9)
    probs = ctx.node(Softmax, suffix="probs", inputs=[kept.name], axis=axis)
    return ctx.node(E.Where, inputs=[mask, probs.name], b_scalar=0.0)
