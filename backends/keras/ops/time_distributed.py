"""time_distributed -> layers.TimeDistributed around the one Keras layer of the wrapped op."""

from typing import Any

from nnspec.spec.errors import UnsupportedOpError
from nnspec.spec.ops.time_distributed import TimeDistributed

from ...codegen_common import call, literal
from ...contexts import KerasContext
from ..activations import KERAS_NAMES, apply_activation
from ..registry import converter, converter_for

_PLACEHOLDER = "__nnspec_inner_layer__"
_INPUT = "__nnspec_inner_input__"


class _Capture:
    """Stands in for the wrapped op's NodeCtx and records the one layer it builds."""

    def __init__(self, ctx: KerasContext, inner, folded, out):
        self.node, self.inputs, self.in_types, self.out_types = inner, [_INPUT], [folded], [out]
        self.params = ctx.params
        self._ctx = ctx
        self.built: list[tuple[str, Any] | None] = []  # (layer source, weights) per layer

    @property
    def x(self) -> str:
        return _INPUT

    def layer(self, cls, *args, weights=None, suffix="", wraps=None, **kwargs):
        self.built.append(
            (call(cls, *([wraps] if wraps else []), *map(literal, args), **kwargs), weights)
        )
        return _PLACEHOLDER

    def activation(self, x: str, name: str | None = None, suffix: str = "activation") -> str:
        act = name or str(getattr(self.node, "activation", "linear"))
        return apply_activation(act, x, self._ctx, self._ctx.op_name(suffix))

    def fused_activation(self) -> tuple[str, str | None]:
        name = getattr(self.node, "activation", "linear")
        return (name, None) if name in KERAS_NAMES else ("linear", name)

    def stmt(self, line: str) -> None:
        self.built.append(None)  # an extra statement: more than one layer

    def __getattr__(self, name):  # activation(), fused_activation(), ...: the outer ctx's
        return getattr(self._ctx, name)


@converter(TimeDistributed)
def time_distributed(node: TimeDistributed, ctx: KerasContext) -> str:
    inner = node.inner()
    folded = node.folded(ctx.in_types[0])
    capture = _Capture(ctx, inner, folded, inner.infer(folded))
    expr = converter_for(inner)(inner, capture)
    if expr != f"{_PLACEHOLDER}({_INPUT})" or len(capture.built) != 1 or not capture.built[0]:
        raise UnsupportedOpError(
            f"time_distributed around {inner.op!r} with these attributes needs more than one "
            "Keras layer, which layers.TimeDistributed cannot wrap",
            node=node.name,
            op=node.op,
            attr="layer",
        )
    source, weights = capture.built[0]
    return f"{ctx.layer('layers.TimeDistributed', wraps=source, weights=weights)}({ctx.x})"
