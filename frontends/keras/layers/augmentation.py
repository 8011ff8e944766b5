"""Keras' random augmentation layers -> identity (a cast where the layer casts): at inference
each returns its images unchanged, converted to the layer's compute dtype (Keras 3.15's
``transform_images`` runs only ``if training``). A ``training=True`` written into the graph
changes nothing: ``model.predict`` and ``model(x, training=False)`` pass ``training=False`` to
every layer, overriding it."""

from nnspec.spec.ops.dropout import Identity
from nnspec.spec.ops.elementwise import Cast

from ..registry import from_layer

AUGMENTATION = (
    "AugMix",
    "CutMix",
    "Equalization",
    "MaxNumBoundingBoxes",
    "MixUp",
    "RandAugment",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomFlip",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPerspective",
    "RandomPosterization",
    "RandomRotation",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
    "Solarization",
)


def _identity(layer, ctx):
    x = ctx.call_args[0] if ctx.call_args else None
    source = str(getattr(x, "dtype", layer.compute_dtype))
    if source != layer.compute_dtype and type(layer).__name__ != "MaxNumBoundingBoxes":
        return ctx.node(Cast, dtype=layer.compute_dtype)
    return ctx.node(Identity)


@from_layer(*AUGMENTATION)
def augmentation(layer, ctx):
    return _identity(layer, ctx)


@from_layer("RandomCrop")
def random_crop(layer, ctx):
    """Keras declares an output of (height, width) but returns its input unchanged at
    inference; only an input already of that size has one meaning."""
    cfg = ctx.config
    axes = (1, 2) if cfg.get("data_format", "channels_last") == "channels_last" else (2, 3)
    shape = ctx.in_shapes[0]
    have = tuple(shape[a] for a in axes)
    if have != (cfg["height"], cfg["width"]):
        raise ctx.fail(
            f"its input is {have[0]}x{have[1]}, not the "
            f"crop size {cfg['height']}x{cfg['width']}; Keras 3.15 declares a "
            f"{cfg['height']}x{cfg['width']} output but returns the input unchanged at "
            "inference, so the model has no one meaning",
            attr="height",
            hint="use CenterCrop (or Resizing) for a crop at inference",
        )
    return _identity(layer, ctx)
