"""``<name>_train.py``: the training-loop template (``train_script.py``, a real module that is
linted and tested) with its settings block filled in with ``repr`` literals."""

from __future__ import annotations

from pathlib import Path

from nnspec.spec.model import Model
from nnspec.spec.training import training_of

TEMPLATE = Path(__file__).with_name("train_script.py")
BEGIN, END = "# --- settings (written by nnspec convert) ---\n", "# --- end of settings ---\n"
_KINDS = {
    "categorical_crossentropy": "onehot",
    "sparse_categorical_crossentropy": "index",
    "binary_crossentropy": "binary",
}


def _size(d) -> int:
    return d if isinstance(d, int) else 8  # a free dimension (time steps): any size works


def training_script(spec: Model, name: str, class_name: str) -> str:
    """Source of ``<name>_train.py`` for the files ``nnspec convert --to torch`` writes."""
    from nnspec.spec.validate import infer_types

    types = infer_types(spec)
    training = training_of(spec)
    kinds = [_KINDS.get(training.loss_for(o).name, "regression") for o in spec.outputs]
    targets = []
    for o, kind in zip(spec.outputs, kinds):
        shape = tuple(_size(d) for d in types[o].shape[1:])
        targets.append(shape[:-1] if kind == "index" else shape)
    settings = [
        "HERE = Path(__file__).resolve().parent",
        f"MODULE_FILE = HERE / {name + '.py'!r}",
        f"CLASS_NAME = {class_name!r}",
        f"STATE_FILE = HERE / {name + '.safetensors'!r}",
        f"SPEC_FILE = HERE / {name + '.yaml'!r}",
        f"INPUT_SHAPES = {[tuple(_size(d) for d in s.shape[1:]) for s in spec.inputs.values()]!r}",
        f"INPUT_DTYPES = {[s.dtype for s in spec.inputs.values()]!r}",
        f"TARGET_SHAPES = {targets!r}",
        f"TARGET_KINDS = {kinds!r}",
    ]
    text = TEMPLATE.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    return head + BEGIN + "\n".join(settings) + "\n" + END + tail
