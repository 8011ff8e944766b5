"""The canonical representation: schema, ops, I/O, graph, validation and passes.

Imports neither tensorflow nor torch.
"""

from .errors import (
    AttrError,
    ConversionError,
    GraphError,
    Issue,
    Report,
    SchemaError,
    ShapeError,
    SpecError,
    UnsupportedOpError,
    WeightsError,
)
from .io import load, loads, save
from .model import InputSpec, Model
from .node import Node, Sample, Weight
from .ops import catalog, register_op
from .types import TensorType

__all__ = [
    "AttrError",
    "ConversionError",
    "GraphError",
    "InputSpec",
    "Issue",
    "Model",
    "Node",
    "Report",
    "Sample",
    "SchemaError",
    "ShapeError",
    "SpecError",
    "TensorType",
    "UnsupportedOpError",
    "Weight",
    "WeightsError",
    "catalog",
    "load",
    "loads",
    "register_op",
    "save",
]
