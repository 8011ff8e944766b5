"""Lookup table from integer ids to vectors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field, PositiveInt

from ..errors import ShapeError
from ..node import ErrorSample, Initializer, Node, Sample, Weight
from ..types import TensorType


class Embedding(Node):
    """Row ``x`` of ``embeddings`` for each id. Input (N, ...) of ids in [0, input_dim) ->
    (N, ..., output_dim) float32. Ids should be int32 or int64; other dtypes are truncated to
    int32 first, as Keras does.

    With ``mask_zero``, id 0 is padding. The spec states masks explicitly: a recurrent node
    reading this embedding takes the ids as its second input with ``mask_value: 0`` (what
    Keras does implicitly), and validation refuses one that does not. The embedding values
    themselves are unchanged.

    Weights: ``embeddings`` (input_dim, output_dim).
    """

    op: Literal["embedding"] = "embedding"
    input_dim: PositiveInt = Field(description="Vocabulary size: the largest id + 1.")
    output_dim: PositiveInt = Field(description="Size of each vector.")
    mask_zero: bool = Field(False, description="Id 0 is padding (Keras' mask_zero).")
    embeddings_initializer: Initializer = "uniform"

    def infer(self, x: TensorType) -> TensorType:
        if x.rank < 1:
            raise ShapeError(f"input must have rank >= 1 (batch, ...), got shape {x}")
        if x.dtype == "bool":
            raise ShapeError(f"ids must be integers, got dtype {x.dtype!r}")
        return TensorType((*x.shape, self.output_dim), "float32")

    def weights(self, x: TensorType) -> dict[str, Weight]:
        return {
            "embeddings": Weight(
                (self.input_dim, self.output_dim),
                self.embeddings_initializer,
                "(input_dim, output_dim)",
            )
        }


OPS = (Embedding,)


def samples() -> Iterable[Sample]:
    yield Sample(
        "sequence",
        dict(input_dim=20, output_dim=4),
        inputs=[(2, 7)],
        input_dtype="int32",
        input_range=(0, 20),
    )
    yield Sample(
        "mask_zero",
        dict(input_dim=10, output_dim=3, mask_zero=True),
        inputs=[(2, 6)],
        input_dtype="int32",
        input_range=(0, 10),
    )
    yield Sample(
        "int64_rank3",
        dict(input_dim=12, output_dim=5),
        inputs=[(2, 3, 4)],
        input_dtype="int64",
        input_range=(0, 12),
    )


def error_samples() -> Iterable[ErrorSample]:
    yield ErrorSample(dict(input_dim=5, output_dim=2), inputs=[()], match="rank >= 1")
