from nnspec.spec.ops.rms_norm import RMSNorm

from ..registry import from_layer


@from_layer("RMSNormalization")
def rms_norm(layer, ctx):
    axis = ctx.config["axis"]  # Keras runs trailing axes only: ``scale`` is shaped as the spec's
    if isinstance(axis, list | tuple):
        axis = int(axis[0]) if len(axis) == 1 else sorted(int(a) for a in axis)
    return ctx.node(RMSNorm, axis=axis, epsilon=float(ctx.config["epsilon"]), params=ctx.weights())
