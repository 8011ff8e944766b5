"""Feature-map ops PyTorch models use between layers: instance norm, adaptive average and
max pooling to any output size, bilinear interpolation with ``align_corners``. Inputs are
channels-last (N, H, W, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt

from ..errors import AttrError, ShapeError
from ..node import ErrorSample, Sample, Weight, static_dim
from ..types import TensorType
from ._tensor import require_float
from .elementwise import TensorOp


def _image(x: TensorType) -> None:
    if x.rank != 4:
        raise ShapeError(f"input must be (N, H, W, C), got {x}")
    require_float(x)


class InstanceNorm(TensorOp):
    """Normalise each sample's channel over its spatial axes: ``(x - mean) / sqrt(var +
    epsilon)`` (biased variance), then ``* gamma + beta`` when ``affine``. Input (N, ..., C)
    of rank >= 3 -> same shape. PyTorch's InstanceNorm at inference without running stats.

    Weights (``affine``): ``gamma`` (C,), ``beta`` (C,)."""

    op: Literal["instance_norm"] = "instance_norm"
    epsilon: float = Field(1e-5, gt=0, description="Added to the variance.")
    affine: bool = Field(False, description="Learned per-channel scale and offset.")

    def infer(self, x: TensorType) -> TensorType:
        if x.rank < 3:
            raise ShapeError(f"input must be (N, ..., C) with a spatial axis, got {x}")
        require_float(x)
        return x

    def weights(self, x: TensorType) -> dict[str, Weight]:
        if not self.affine:
            return {}
        c = static_dim(x, -1, "input channels")
        return {"gamma": Weight((c,), "ones", "(C,)"), "beta": Weight((c,), "zeros", "(C,)")}


class _Adaptive(TensorOp):
    output_size: tuple[PositiveInt, PositiveInt] = Field(description="(out_h, out_w).")

    def infer(self, x: TensorType) -> TensorType:
        _image(x)
        return x.with_shape((x.shape[0], *self.output_size, x.shape[3]))


class AdaptiveAvgPool2D(_Adaptive):
    """Average over windows that tile the input into ``output_size`` cells: cell i of an
    axis of length n covers ``[floor(i * n / out), ceil((i + 1) * n / out))`` (PyTorch's
    rule; windows may be uneven and overlap)."""

    op: Literal["adaptive_avg_pool2d"] = "adaptive_avg_pool2d"


class AdaptiveMaxPool2D(_Adaptive):
    """Maximum over the windows ``adaptive_avg_pool2d`` averages."""

    op: Literal["adaptive_max_pool2d"] = "adaptive_max_pool2d"


class Interpolate(TensorOp):
    """Bilinear or bicubic resize of (N, H, W, C) to ``size``, as PyTorch computes it.
    ``align_corners``: the corner pixels of input and output coincide (source = dst * (in - 1)
    / (out - 1)); otherwise half-pixel centres (source = (dst + 0.5) * ratio - 0.5, clamped
    at 0 for bilinear), with ``ratio`` = 1 / ``scale`` when the scale factor is given
    (PyTorch's ``scale_factor``), else in / out. Bicubic: Keys' cubic with a = -0.75 over 4
    taps, positions outside the input read its border."""

    op: Literal["interpolate"] = "interpolate"
    mode: Literal["bilinear", "bicubic"] = Field("bilinear", description="Interpolation kernel.")
    size: tuple[PositiveInt, PositiveInt] = Field(description="(out_h, out_w).")
    align_corners: bool = Field(False, description="Map corners onto corners.")
    scale: tuple[PositiveFloat, PositiveFloat] | None = Field(
        None, description="The scale factor that set the coordinate ratio; null: in / out."
    )

    def infer(self, x: TensorType) -> TensorType:
        _image(x)
        if self.align_corners and self.scale is not None:
            raise AttrError("scale", "with align_corners the ratio is always (in - 1) / (out - 1)")
        for i in (1, 2):
            static_dim(x, i, "input height and width")
        return x.with_shape((x.shape[0], *self.size, x.shape[3]))


OPS = (InstanceNorm, AdaptiveAvgPool2D, AdaptiveMaxPool2D, Interpolate)


def samples() -> Iterable[Sample]:
    yield Sample("instance_norm", dict(op="instance_norm"), inputs=[(2, 5, 4, 3)])
    yield Sample(
        "instance_norm_affine",
        dict(op="instance_norm", affine=True, epsilon=1e-3),
        inputs=[(2, 6, 3)],
    )
    for tag in ("adaptive_avg_pool2d", "adaptive_max_pool2d"):
        yield Sample(f"{tag}_even", dict(op=tag, output_size=(2, 3)), inputs=[(2, 4, 6, 3)])
        yield Sample(f"{tag}_uneven", dict(op=tag, output_size=(3, 4)), inputs=[(2, 7, 5, 2)])
        yield Sample(f"{tag}_upsample", dict(op=tag, output_size=(7, 7)), inputs=[(2, 5, 3, 2)])
    yield Sample(
        "interpolate_align",
        dict(op="interpolate", size=(7, 9), align_corners=True),
        inputs=[(2, 4, 5, 3)],
    )
    yield Sample(
        "interpolate_bicubic",
        dict(op="interpolate", size=(8, 7), mode="bicubic"),
        inputs=[(2, 4, 5, 3)],
        atol=1e-5,
    )
    yield Sample(
        "interpolate_bicubic_align_down",
        dict(op="interpolate", size=(3, 9), mode="bicubic", align_corners=True),
        inputs=[(2, 5, 4, 2)],
        atol=1e-5,
    )
    yield Sample(
        "interpolate_half_pixel", dict(op="interpolate", size=(6, 3)), inputs=[(2, 4, 5, 3)]
    )
    yield Sample(
        "interpolate_scale",
        dict(op="interpolate", size=(6, 7), scale=(1.5, 1.5)),
        inputs=[(2, 4, 5, 3)],
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(
        dict(op="adaptive_avg_pool2d", output_size=(2, 2)), inputs=[(2, 4, 3)], match="N, H, W, C"
    )
    yield ErrorSample(
        dict(op="interpolate", size=(4, 4), align_corners=True, scale=(2.0, 2.0)),
        inputs=[(2, 2, 2, 3)],
        match="ratio",
    )
