"""Image resizing and center cropping to a fixed size, channels-last: (N, H, W, C)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, PositiveInt

from ..errors import AttrError
from ..node import ErrorSample, Node, Sample, require_rank
from ..types import TensorType

FLOATS = ("float32", "float16", "bfloat16", "float64")


class Resizing(Node):
    """Resize images to (height, width). Input (N, H, W, C) -> (N, height, width, C).

    Both modes use half-pixel centres and no antialiasing, as Keras' ``Resizing`` (TensorFlow's
    ``tf.image.resize``): ``bilinear`` is PyTorch's ``interpolate(mode="bilinear",
    align_corners=False)``, and ``nearest`` is ``mode="nearest-exact"`` (PyTorch's plain
    ``nearest`` picks different pixels when downscaling or scaling by a non-integer factor).
    """

    op: Literal["resizing"] = "resizing"
    height: PositiveInt = Field(description="Output height.")
    width: PositiveInt = Field(description="Output width.")
    interpolation: Literal["nearest", "bilinear"] = "bilinear"
    crop_to_aspect_ratio: Literal[False] = Field(
        False, description="Only false: the image is stretched to the new aspect ratio."
    )

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, 4)
        return x.with_shape((x.shape[0], self.height, self.width, x.shape[-1]))


class CenterCrop(Node):
    """Crop the central (height, width) window. Input (N, H, W, C) -> (N, height, width, C).

    The window starts at ((H - height) // 2, (W - width) // 2). Keras resizes instead when the
    input is smaller than the window; nnspec refuses that case (checked when H and W are known).
    Integer inputs give float32 outputs, as Keras casts them.
    """

    op: Literal["center_crop"] = "center_crop"
    height: PositiveInt = Field(description="Output height.")
    width: PositiveInt = Field(description="Output width.")

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, 4)
        for attr, d, want in (
            ("height", x.shape[1], self.height),
            ("width", x.shape[2], self.width),
        ):
            if isinstance(d, int) and d < want:
                raise AttrError(
                    attr,
                    f"the input {x} is smaller than the crop ({attr} {d} < {want})",
                    hint="use resizing to enlarge the image",
                )
        dtype = x.dtype if x.dtype in FLOATS else "float32"
        return TensorType((x.shape[0], self.height, self.width, x.shape[-1]), dtype)


OPS = (Resizing, CenterCrop)


def samples() -> Iterable[Sample]:
    yield Sample(
        "resizing_bilinear_up", dict(op="resizing", height=8, width=10), inputs=[(2, 4, 5, 3)]
    )
    yield Sample(
        "resizing_bilinear_down", dict(op="resizing", height=3, width=4), inputs=[(2, 6, 9, 3)]
    )
    yield Sample(
        "resizing_nearest_up",
        dict(op="resizing", height=7, width=10, interpolation="nearest"),
        inputs=[(2, 4, 5, 3)],
    )
    yield Sample(
        "resizing_nearest_down",
        dict(op="resizing", height=3, width=4, interpolation="nearest"),
        inputs=[(2, 7, 9, 3)],
    )
    yield Sample("center_crop", dict(op="center_crop", height=4, width=3), inputs=[(2, 7, 6, 3)])
    yield Sample(
        "center_crop_int",
        dict(op="center_crop", height=3, width=3),
        inputs=[(2, 5, 4, 1)],
        input_dtype="int32",
        input_range=(0, 255),
    )
    yield Sample(
        "center_crop_same", dict(op="center_crop", height=5, width=5), inputs=[(2, 5, 5, 2)]
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(
        dict(op="center_crop", height=8, width=3), inputs=[(2, 6, 6, 3)], match="height"
    )
    yield ErrorSample(dict(op="resizing", height=8, width=3), inputs=[(2, 6, 3)], match="rank 4")
