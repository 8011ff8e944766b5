"""Keras masks over sequences: the ``masking`` op and the convention every mask consumer uses.

Keras derives a boolean (N, T) *step mask* from the input of a ``Masking`` layer (a step is
kept when any of its features differs from ``mask_value``) or of an ``Embedding`` with
``mask_zero`` (a step is kept when its id is not 0), and hands it implicitly to the layers
downstream that use masks (recurrent layers, Bidirectional, ...), through the layers that
propagate it (Dense, Dropout, a recurrent layer with ``return_sequences``, ...).

In the spec the mask is explicit, so both backends see it: a node that uses a mask sets
``mask_value`` and takes the tensor the mask is derived from (the *mask source*) as an extra
input right after its first input:

- a source of rank 2 (N, T) (ids): step t of row n is kept where ``source[n, t] != mask_value``;
- a source of rank 3 (N, T, F): kept where ``any(source[n, t, :] != mask_value)``;
- a boolean source (N, T) is the mask itself (``mask_value`` is then ignored; write 0).

A ``masking`` node itself only zeroes the masked steps, as the Keras layer's output does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..errors import ShapeError
from ..node import ErrorSample, Node, Sample, require_rank
from ..types import TensorType, dims_equal


def check_mask_source(x: TensorType, source: TensorType) -> None:
    """Raise ShapeError unless ``source`` can give the (N, T) step mask of sequence ``x``."""
    if source.dtype == "bool":
        require_rank(source, 2, what="a boolean mask (batch, time)")
    else:
        require_rank(
            source,
            2,
            3,
            what="the mask source (ids (batch, time) or features (batch, time, features))",
        )
    for axis, what in ((0, "batch"), (1, "time")):
        if dims_equal(x.shape[axis], source.shape[axis]) is False:
            raise ShapeError(
                f"the mask source {source} does not match the sequence {x} on the {what} axis",
                hint="the mask source is the tensor Keras computes the mask from: the input "
                "of the Masking layer or of the Embedding with mask_zero",
            )


class Masking(Node):
    """Keras ``Masking``: steps whose features all equal ``mask_value`` become zeros; the rest
    pass unchanged. Input (N, T, F) -> (N, T, F).

    Consumers that skip the masked steps take this node's *input* as their mask source with
    the same ``mask_value`` (see the module notes).
    """

    op: Literal["masking"] = "masking"
    mask_value: float = Field(
        0.0, description="A step is masked when all its features equal this value."
    )

    def infer(self, x: TensorType) -> TensorType:
        require_rank(x, 3, what="sequence input (batch, time, features)")
        return x


OPS = (Masking,)


def samples() -> Iterable[Sample]:
    yield Sample("zero", dict(mask_value=0.0), inputs=[(2, 5, 3)])
    yield Sample("value", dict(mask_value=0.5), inputs=[(2, 4, 2)])


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(mask_value=0.0), inputs=[(2, 5)], match="rank 3")
