"""Keras Resizing and CenterCrop -> resizing and center_crop, where the result is defined the
same way in PyTorch: nearest or bilinear interpolation, no antialiasing, no aspect-ratio crop
or pad, and a center crop no larger than its input."""

from nnspec.spec.ops.resizing import CenterCrop, Resizing

from ...contexts import KerasLayerContext
from .._common import require_channels_last
from ..registry import from_layer


@from_layer("Resizing")
def resizing(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    require_channels_last(ctx)
    if cfg.get("interpolation", "bilinear") not in ("nearest", "bilinear"):
        raise ctx.refuse(
            "interpolation",
            "only 'nearest' and 'bilinear' resize the same way "
            "in PyTorch; TensorFlow's bicubic, lanczos and area kernels differ",
        )
    if cfg.get("antialias"):
        raise ctx.refuse(
            "antialias", "TensorFlow's antialiasing filter has no exact PyTorch equivalent"
        )
    for key in ("crop_to_aspect_ratio", "pad_to_aspect_ratio"):
        if cfg.get(key):
            raise ctx.refuse(key, "only a plain resize (stretching the image) is supported")
    return ctx.node(
        Resizing,
        height=cfg["height"],
        width=cfg["width"],
        interpolation=cfg.get("interpolation", "bilinear"),
    )


@from_layer("CenterCrop")
def center_crop(layer, ctx: KerasLayerContext):
    cfg = ctx.config
    require_channels_last(ctx)
    shape = ctx.in_shapes[0] if ctx.in_shapes else ()
    for key, size in zip(("height", "width"), shape[1:3]):
        if size is not None and size < cfg[key]:
            raise ctx.refuse(
                key,
                f"the input is smaller ({size}); Keras then resizes the "
                "image instead of cropping it, which nnspec does not model",
            )
    return ctx.node(CenterCrop, height=cfg["height"], width=cfg["width"])
