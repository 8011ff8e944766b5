"""The Model: inputs, nodes, outputs, and the weights that go with them."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetPydanticSchema,
    PrivateAttr,
    SerializeAsAny,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from .errors import SchemaError
from .names import Namespace
from .node import Node, one_or_list
from .types import DType, SpecDim

if TYPE_CHECKING:  # numpy is imported only when weights are used: `validate` starts faster
    import numpy as np

    from .errors import Issue, Report
    from .training import Training

    LazyTraining = Training | None
else:
    # spec/training.py is imported, and Training's schema built (~25 ms, the most of any
    # class), when a spec has a training section: not by every `validate` or conversion.
    def _validate_training(value: Any, _handler: Any) -> Any:
        if value is None:
            return None
        from .training import Training

        return Training.model_validate(value)  # its errors keep their locations under `training`

    def _training_schema(_source, _handler):
        # the inner schema, never run, has a ref as a model does: the field gets no title
        unused = core_schema.any_schema(ref="nnspec.spec.training.Training:lazy")
        return core_schema.no_info_wrap_validator_function(_validate_training, unused)

    def _training_json_schema(_schema, handler):
        from pydantic import TypeAdapter

        from .training import Training

        return handler(TypeAdapter(Training | None).core_schema)

    LazyTraining = Annotated[Any, GetPydanticSchema(_training_schema, _training_json_schema)]


def _has_batch_axis(v: object) -> object:
    if isinstance(v, list | tuple) and not v:
        raise ValueError("a shape includes the batch axis, so it has at least one dimension")
    return v


def _as_op(value: Any, handler: Any) -> Any:
    """A node given as a mapping is validated as the op its ``op`` names (so ``Model`` reads
    its own dump and any dict), importing only that op's module; a node object stays as it is."""
    if not isinstance(value, dict):
        return handler(value)
    from .ops import op_adapter

    if "op" not in value:
        raise PydanticCustomError("missing_op", "a node needs an `op` naming its op")
    try:
        adapter = op_adapter(value.get("op"))
    except SchemaError as e:
        raise PydanticCustomError("unknown_op", "{message}", {"message": str(e)}) from None
    return adapter.validate_python(value)


# A node of any op: the op-discriminated union, resolved per node (see ``_as_op``).
AnyNode = SerializeAsAny[Annotated[Node, WrapValidator(_as_op)]]


def _set_valid(node: Node, field: str, value: object) -> None:
    """Set a field to a value known to be valid, without the node's assignment validation
    (a third of the time of loading a big Sequential spec)."""
    node.__dict__[field] = value
    node.__pydantic_fields_set__.add(field)


class InputSpec(BaseModel):
    """A model input: shape (batch included) with symbolic names or null for free dims."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    shape: Annotated[list[SpecDim], BeforeValidator(_has_batch_axis)] = Field(
        min_length=1,
        description="Shape including the batch axis, e.g. [batch, 28, 28, 1]; sizes are "
        "positive integers, names are identifiers.",
    )
    dtype: DType = "float32"


class Model(BaseModel):
    """A whole model. ``params`` holds weights keyed ``node/param`` (not part of the YAML)."""

    # Built on first use: loading a file assembles a Model from parts it validated (spec/io.py).
    model_config = ConfigDict(extra="forbid", validate_assignment=False, defer_build=True)

    nnspec: Literal[1] = Field(1, description="Spec format version.")
    name: str = "model"
    metadata: dict[str, Any] = Field(default_factory=dict)
    inputs: dict[str, InputSpec]
    nodes: list[AnyNode] = Field(
        description="The nodes; one without `inputs` reads the previous node's output."
    )
    outputs: Annotated[list[str], BeforeValidator(one_or_list)] = Field(default_factory=list)
    weights: str | None = Field(None, description="safetensors file beside the YAML.")
    training: LazyTraining = Field(None, description="Optimizer, losses, regularisers.")

    _params: dict[str, np.ndarray] = PrivateAttr(default_factory=dict)
    # Where each part of the YAML was: path tuple -> (line, column), both 1-based.
    _marks: Mapping[tuple[Any, ...], tuple[int, int]] = PrivateAttr(default_factory=dict)
    _file: str | None = PrivateAttr(None)
    # Warnings from reading the weights (bfloat16 widened to float32), reported by validation.
    _load_notes: list[Issue] = PrivateAttr(default_factory=list)
    # The last successful analysis and what it was of (spec/checked.py): validated once.
    _analysis: Any = PrivateAttr(None)

    @model_validator(mode="after")
    def _fill_shorthand(self) -> Model:
        """Sequential shorthand: generated names, implicit inputs, last node as output."""
        names = Namespace([*self.inputs, *(n.name for n in self.nodes if n.name)])
        previous = next(iter(self.inputs), None)
        for node in self.nodes:
            if node.name is None:
                _set_valid(node, "name", names.name(node.op, numbered=True))
            if node.inputs is None:
                _set_valid(node, "inputs", [previous] if previous is not None else [])
            previous = node.name
        if not self.outputs and self.nodes:
            self.outputs = [self.nodes[-1].id]
        return self

    # --- weights ---------------------------------------------------------------------------

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Weight arrays keyed ``node/param``, in canonical layout. Empty: use initialisers."""
        return self._params

    @params.setter
    def params(self, value: dict[str, np.ndarray]) -> None:
        self._params = dict(value)

    @property
    def load_notes(self) -> list[Issue]:
        return self._load_notes

    @load_notes.setter
    def load_notes(self, value: list[Issue]) -> None:
        self._load_notes = list(value)

    def node_params(self, node: str) -> dict[str, np.ndarray]:
        prefix = node + "/"
        return {k[len(prefix) :]: v for k, v in self._params.items() if k.startswith(prefix)}

    def count_params(self) -> int:
        from .checked import weight_decls

        return sum(math.prod(w.shape) for ws in weight_decls(self).values() for w in ws.values())

    # --- lookup ------------------------------------------------------------------------------

    def node(self, name: str) -> Node:
        for n in self.nodes:
            if n.name == name:
                return n
        raise KeyError(name)

    def mark(self, *path: Any) -> tuple[int, int] | None:
        """YAML (line, column) of a path such as ("nodes", 3, "kernel_size"), or nearest parent."""
        while path:
            if path in self._marks:
                return self._marks[path]
            path = path[:-1]
        return None

    @property
    def source_file(self) -> str | None:
        return self._file

    # --- I/O ---------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str], *, weights: bool = True) -> None:
        from .write import save

        save(self, path, weights=weights)

    def to_yaml(self) -> str:
        from .write import dump_yaml

        return dump_yaml(self)

    def validate_spec(self, *, check_weights: bool = True) -> Report:
        """Run every check; returns a Report (see :func:`nnspec.spec.validate.validate`)."""
        from .validate import validate

        return validate(self, check_weights=check_weights)

    def check(self) -> Model:
        """Raise SpecError listing every problem; return self when valid (the analysis is
        kept for the backends while the model stays as it is: spec/checked.py)."""
        from .checked import checked_analysis

        checked_analysis(self)
        return self
