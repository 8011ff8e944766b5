"""nnspec: describe a model once, build it in Keras or PyTorch."""

from ._gc import few_gc_passes as _few_gc_passes

# The spec's pydantic models: importing them is most of `nnspec validate`'s start-up.
with _few_gc_passes():
    from nnspec.spec import (
        ConversionError,
        Model,
        Node,
        SchemaError,
        ShapeError,
        SpecError,
        UnsupportedOpError,
        WeightsError,
        load,
        loads,
        register_op,
    )

    from ._version import __version__ as __version__
    from .api import (
        emit,
        from_keras,
        from_torch,
        load_keras_file,
        to_keras,
        to_torch,
        torch_training,
    )

__all__ = [
    "ConversionError",
    "Model",
    "Node",
    "SchemaError",
    "ShapeError",
    "SpecError",
    "UnsupportedOpError",
    "WeightsError",
    "emit",
    "from_keras",
    "from_torch",
    "load",
    "load_keras_file",
    "loads",
    "register_op",
    "to_keras",
    "to_torch",
    "torch_training",
]
