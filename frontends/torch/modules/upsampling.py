"""nn.Upsample / F.interpolate by integer factors -> upsampling1d/2d/3d (nearest; bilinear
with align_corners=False in 2-D); other bilinear resizes and bicubic (2-D) -> interpolate."""

from __future__ import annotations

from nnspec.spec.ops.upsampling import UpSampling1D, UpSampling2D, UpSampling3D

from ...contexts import TorchNodeContext
from ..registry import from_function, from_module
from ..values import channels_last


def upsample(ctx: TorchNodeContext, mode: str, align_corners, antialias=False, scale=None):
    x = ctx.input()
    rank = x.rank - 2
    out = ctx.out_shape()
    factors = []
    uneven = any(o % n for n, o in zip(x.shape[2:], out[2:]))
    bicubic = mode == "bicubic" and rank == 2
    if (
        bicubic or mode == "bilinear" and rank == 2 and (align_corners or uneven)
    ) and not antialias:
        from .tensor_shape import interpolate_bilinear

        return interpolate_bilinear(ctx, x, align_corners, scale, mode=mode)
    for n, o in zip(x.shape[2:], out[2:]):
        if o % n:
            raise ctx.refuse(
                f"resizes {tuple(x.shape[2:])} to {tuple(out[2:])}, not by an integer factor"
            )
        factors.append(o // n)
    if antialias:
        raise ctx.refuse("antialias=True is not supported")
    ref = ctx.channels_last(x)
    if mode == "nearest" and rank in (1, 2, 3):
        if rank == 1:
            ref = ctx.emit(UpSampling1D, [ref], size=factors[0])
        else:
            ref = ctx.emit(UpSampling2D if rank == 2 else UpSampling3D, [ref], size=factors)
    elif mode == "bilinear" and rank == 2:
        if align_corners:
            raise ctx.refuse(
                "align_corners=True is not supported (the spec's bilinear "
                "upsampling uses half-pixel centres)"
            )
        ref = ctx.emit(UpSampling2D, [ref], size=factors, interpolation="bilinear")
    else:
        raise ctx.refuse(
            f"mode={mode!r} on a rank-{x.rank} input is not supported (nearest "
            "in 1-3 D, bilinear and bicubic in 2-D)"
        )
    return ctx.result(ref, channels_last(x.rank), nonneg=x.nonneg)


@from_module("Upsample")
def upsampling(m, ctx: TorchNodeContext):
    return upsample(ctx, m.mode, m.align_corners, scale=m.scale_factor)


@from_module("UpsamplingNearest2d")
def upsampling_nearest(m, ctx: TorchNodeContext):
    return upsample(ctx, "nearest", None)


@from_module("UpsamplingBilinear2d")
def upsampling_bilinear(m, ctx: TorchNodeContext):
    return upsample(ctx, "bilinear", True)


@from_function("interpolate", "upsample")
def interpolate(ctx: TorchNodeContext):
    return upsample(
        ctx,
        ctx.arg(3, "mode", "nearest"),
        ctx.arg(4, "align_corners", None),
        ctx.kwargs.get("antialias", False),
        ctx.arg(2, "scale_factor", None),
    )
