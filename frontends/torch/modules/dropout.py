"""Dropout (identity at inference) -> dropout, spatial_dropout, alpha_dropout; nn.Identity and
no-op tensor methods (contiguous, clone, ...) pass their input through without a node."""

from __future__ import annotations

from nnspec.spec.ops.dropout import AlphaDropout, Dropout, SpatialDropout

from ...contexts import TorchNodeContext
from ..registry import from_function, from_module
from ..values import channels_last


def _dropout(ctx: TorchNodeContext, rate: float, kind: str = "dropout"):
    x = ctx.input()
    if kind == "spatial" and 3 <= x.rank <= 5 and x.perm == channels_last(x.rank):
        out = ctx.emit(SpatialDropout, [x.ref], rate=float(rate))
    elif kind == "alpha":
        out = ctx.emit(AlphaDropout, [x.ref], rate=float(rate))
    else:  # at inference every dropout is the identity: any kind serves where layouts differ
        out = ctx.emit(Dropout, [x.ref], rate=float(rate))
    return ctx.result(out, x.perm, flat=x.flat, nonneg=x.nonneg)


@from_module("Dropout")
def dropout(m, ctx: TorchNodeContext):
    return _dropout(ctx, m.p)


@from_module("Dropout1d", "Dropout2d", "Dropout3d")
def spatial_dropout(m, ctx: TorchNodeContext):
    return _dropout(ctx, m.p, "spatial")


@from_module("AlphaDropout", "FeatureAlphaDropout")
def alpha_dropout(m, ctx: TorchNodeContext):
    return _dropout(ctx, m.p, "alpha")


@from_function("dropout")
def dropout_function(ctx: TorchNodeContext):
    return _dropout(ctx, ctx.arg(1, "p", 0.5))


@from_function("dropout1d", "dropout2d", "dropout3d")
def spatial_dropout_function(ctx: TorchNodeContext):
    return _dropout(ctx, ctx.arg(1, "p", 0.5), "spatial")


@from_function("alpha_dropout", "feature_alpha_dropout")
def alpha_dropout_function(ctx: TorchNodeContext):
    return _dropout(ctx, ctx.arg(1, "p", 0.5), "alpha")


@from_module("Identity")
def identity(m, ctx: TorchNodeContext):
    return ctx.input()


@from_function("contiguous", "clone", "detach")
def passthrough(ctx: TorchNodeContext):
    return ctx.input()


@from_function("float", "to", "type_as")
def cast(ctx: TorchNodeContext):
    x = ctx.input()
    dtype = str(ctx.meta.dtype).replace("torch.", "")
    if dtype != x.dtype:
        from .tensor_ops import cast

        return cast(ctx, x, dtype)
    return x
