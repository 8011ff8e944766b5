"""Dropout and noise layers: active after ``module.train()``, identities after ``eval()``
(``nn.Dropout`` / ``nn.Dropout2d`` where PyTorch has the layer, a runtime.py function given
``self.training`` otherwise). ``identity`` and ``activity_regularization`` (a loss term, not
part of forward) get no line."""

from nnspec.spec.ops.dropout import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    Identity,
    SpatialDropout,
)

from ...codegen_common import literal
from ...contexts import TorchContext
from ..describe import Module, Op
from ..layout import channels_first, elementwise, follow
from ..registry import converter


@converter(Identity, ActivityRegularization, layout=elementwise)
def identity(node, ctx: TorchContext) -> str:
    return ctx.x


def _dropout_layout(node, types, have):
    if getattr(node, "noise_shape", None) is not None:  # the mask's axes follow the input's
        return follow(node, types, have)
    return elementwise(node, types, have)


def torch_noise_shape(node: Dropout | AlphaDropout, ctx: TorchContext) -> str:
    """The canonical ``noise_shape`` in the order of the input's PyTorch dims."""
    if node.noise_shape is None:
        return "None"
    shape: list[int | None] = [None] * len(node.noise_shape)
    for axis, size in enumerate(node.noise_shape):
        shape[ctx.dim(axis)] = size
    return literal(shape)


@converter(Dropout, layout=_dropout_layout)
def dropout(node: Dropout, ctx: TorchContext) -> Op | str:
    if node.rate == 0:
        return ctx.x
    if node.noise_shape is not None:
        fn = ctx.helper("shaped_dropout")
        shape = torch_noise_shape(node, ctx)
        return f"{fn}({ctx.x}, {literal(node.rate)}, {shape}, self.training)"
    layer = ctx.attr()
    return Op(f"{layer}({ctx.x})", modules={layer: Module("nn.Dropout", (node.rate,))})


@converter(SpatialDropout, layout=channels_first)
def spatial_dropout(node: SpatialDropout, ctx: TorchContext) -> Op | str:
    if node.rate == 0:
        return ctx.x
    layer = ctx.attr()
    module = Module(f"nn.Dropout{ctx.in_types[0].rank - 2}d", (node.rate,))
    return Op(f"{layer}({ctx.x})", modules={layer: module})


@converter(GaussianNoise, layout=elementwise)
def gaussian_noise(node: GaussianNoise, ctx: TorchContext) -> str:
    if node.stddev == 0:
        return ctx.x
    return f"{ctx.helper('keras_gaussian_noise')}({ctx.x}, {literal(node.stddev)}, self.training)"


@converter(GaussianDropout, layout=elementwise)
def gaussian_dropout(node: GaussianDropout, ctx: TorchContext) -> str:
    if node.rate == 0:
        return ctx.x
    return f"{ctx.helper('keras_gaussian_dropout')}({ctx.x}, {literal(node.rate)}, self.training)"


@converter(AlphaDropout, layout=_dropout_layout)
def alpha_dropout(node: AlphaDropout, ctx: TorchContext) -> str:
    if node.rate == 0:
        return ctx.x
    shape = torch_noise_shape(node, ctx)
    fn = ctx.helper("keras_alpha_dropout")
    return f"{fn}({ctx.x}, {literal(node.rate)}, {shape}, self.training)"
