"""``<name>_train.py``: the training-loop template (``train_script.py``, a real module that is
linted and tested) with its settings block filled in with ``repr`` literals and its helpers
block replaced by the source of nnspec's own optimizer, loss, metric, schedule and batch-norm
code (``inspect.getsource``), so the script runs without nnspec."""

from __future__ import annotations

import inspect
from pathlib import Path

import torch

from nnspec.backends.codegen_common import literal
from nnspec.spec import training as spec_training
from nnspec.spec.errors import ConversionError
from nnspec.spec.model import Model
from nnspec.spec.training import training_of

from . import batch_norm, losses, optimizers
from .parameters import node_parameters, node_submodules, weight_parameters

TEMPLATE = Path(__file__).with_name("train_script.py")
BEGIN, END = "# --- settings (written by nnspec convert) ---\n", "# --- end of settings ---\n"
HELPERS, HELPERS_END = (
    "# --- helpers (copied by nnspec convert from nnspec's modules) ---\n",
    "# --- end of helpers ---\n",
)
_KINDS = {
    "categorical_crossentropy": "onehot",
    "sparse_categorical_crossentropy": "index",
    "binary_crossentropy": "binary",
}
_MATH_UNUSED = "import math  # noqa: F401 (the copied helpers use it)\n"
_ACCURACIES = ("categorical_accuracy", "sparse_categorical_accuracy", "binary_accuracy")


def _size(d) -> int:
    return d if isinstance(d, int) else 8  # a free dimension (time steps): any size works


def training_script(
    spec: Model, name: str, class_name: str, module: torch.nn.Module, channels_first: bool = False
) -> str:
    """Source of ``<name>_train.py`` for the files ``nnspec convert --to torch`` writes;
    ``module`` is the module generated from ``spec`` (before training), which says which
    parameters the spec's regularisers, constraints and frozen nodes are about;
    ``channels_first``: it takes images NCHW (and would return them so)."""
    from nnspec.spec.checked import infer_types

    from . import _refuse_untrainable

    _refuse_untrainable(spec)
    types = infer_types(spec)
    if channels_first and any(len(types[o].shape) >= 4 for o in spec.outputs):
        raise ConversionError(
            "no training script for a channels-first module with image outputs: Keras' losses "
            "read the classes on the last axis, the module returns them on axis 1",
            node=next(o for o in spec.outputs if len(types[o].shape) >= 4),
        )
    t = training_of(spec)
    kinds = [_KINDS.get(t.loss_for(o).name, "regression") for o in spec.outputs]
    targets = []
    for o, kind in zip(spec.outputs, kinds):
        shape = tuple(_size(d) for d in types[o].shape[1:])
        targets.append(shape[:-1] if kind == "index" else shape)
    opt = t.optimizer
    cls = optimizers.OPTIMIZERS[opt.name]
    settings = opt.model_dump(exclude={"name", "learning_rate"})
    lr = opt.learning_rate
    settings["lr"] = float(lr) if isinstance(lr, (int, float)) else lr(0)
    schedule = None if isinstance(lr, (int, float)) else (lr.schedule, lr.settings())
    loss_names = [t.loss_for(out).name for out in spec.outputs]
    metrics = [
        (m if len(spec.outputs) == 1 else f"{out}_{m}", m, i)
        for i, out in enumerate(spec.outputs)
        for m in t.metrics_for(out)
    ]
    roles = _parameter_roles(spec, module)
    loss_items = [
        f"({literal(t.loss_for(out).name)}, {_dict(losses.loss_options(t.loss_for(out)))}, "
        f"{literal(t.loss_for(out).reduction)}, "
        f"{literal(float((t.loss_weights or {}).get(out, 1.0)))})"
        for out in spec.outputs
    ]
    schedule_src = (
        "SCHEDULE = None"
        if schedule is None
        else _assign("SCHEDULE", [literal(schedule[0]), _dict(schedule[1])], "()")
    )
    input_shapes = [tuple(_size(d) for d in s.shape[1:]) for s in spec.inputs.values()]
    if channels_first:  # images (N, C, H, W) at the module's boundary, as convert checks them
        input_shapes = [(x[-1], *x[:-1]) if len(x) >= 3 else x for x in input_shapes]
    lines = [
        "HERE = Path(__file__).resolve().parent",
        f"MODULE_FILE = HERE / {literal(name + '.py')}",
        f"CLASS_NAME = {literal(class_name)}",
        f"STATE_FILE = HERE / {literal(name + '.safetensors')}",
        _assign("INPUT_SHAPES", [literal(x) for x in input_shapes]),
        _assign("INPUT_DTYPES", [literal(s.dtype) for s in spec.inputs.values()]),
        _assign("TARGET_SHAPES", [literal(x) for x in targets]),
        _assign("TARGET_KINDS", [literal(k) for k in kinds]),
        _assign("OPTIMIZER_SETTINGS", _items(settings), "{}"),
        schedule_src,
        _assign("LOSSES", loss_items),
        _assign("METRICS", [literal(m) for m in metrics]),
        _assign("PENALTIES", [literal(x) for x in roles["penalties"]]),
        _assign("NON_NEGATIVE", [literal(x) for x in roles["non_negative"]]),
        _assign("FROZEN", [literal(x) for x in roles["frozen"]]),
        _assign("FROZEN_BATCH_NORMS", [literal(x) for x in roles["frozen_batch_norms"]]),
    ]
    # the copied schedule functions use math: in the script, the import is no longer unused
    text = TEMPLATE.read_text(encoding="utf-8").replace(_MATH_UNUSED, "import math\n")
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    middle, rest = tail.split(HELPERS)
    _, tail = rest.split(HELPERS_END)
    helpers = _helpers(cls, loss_names + [m for _, m, _ in metrics])
    return (
        head
        + BEGIN
        + "\n".join(lines)
        + "\n"
        + END
        + middle
        + HELPERS
        + helpers
        + HELPERS_END
        + tail
    )


def _items(d: dict) -> list[str]:
    return [f"{literal(k)}: {literal(v)}" for k, v in d.items()]


def _dict(d: dict) -> str:
    """A dict of settings as a literal (keys are nnspec's own field names)."""
    return "{" + ", ".join(_items(d)) + "}"


def _assign(name: str, items: list[str], brackets: str = "[]") -> str:
    """``NAME = [a, b]`` on one line when it fits, else one item a line, as ruff formats it."""
    line = f"{name} = {brackets[0]}{', '.join(items)}{brackets[1]}"
    if len(line) <= 99:
        return line
    body = "".join(f"    {item},\n" for item in items)
    return f"{name} = {brackets[0]}\n{body}{brackets[1]}"


def _parameter_roles(spec: Model, module: torch.nn.Module) -> dict[str, list]:
    """Parameter names (as in the module's state dict) of the spec's penalties, constraints
    and frozen nodes, and the frozen nodes' batch-norm submodules."""
    t = training_of(spec)
    names = {id(p): n for n, p in module.named_parameters()}
    by_node = node_parameters(module)
    wanted = {n: set(t.regularizers.get(n, {})) | set(t.constraints.get(n, {})) for n in by_node}
    weights = {
        n: weight_parameters(spec, n, ps, wanted[n]) for n, ps in by_node.items() if wanted[n]
    }
    penalties = [
        (names[id(p)], float(r.l1), float(r.l2))
        for n, ws in t.regularizers.items()
        for w, r in ws.items()
        for p in weights[n][w]
    ]
    non_negative = [
        names[id(p)] for n, ws in t.constraints.items() for w in ws for p in weights[n][w]
    ]
    frozen = [names[id(p)] for n in t.frozen for p in by_node.get(n, {}).values()]
    modules = {id(m): n for n, m in module.named_modules()}
    frozen_bns = [
        modules[id(sub)]
        for n in t.frozen
        for top in node_submodules(module, n)
        for sub in top.modules()
        if isinstance(sub, torch.nn.modules.batchnorm._BatchNorm)
    ]
    return {
        "penalties": penalties,
        "non_negative": non_negative,
        "frozen": frozen,
        "frozen_batch_norms": frozen_bns,
    }


def _helpers(optimizer_cls: type, functions: list[str]) -> str:
    """The source of everything the template's helpers block imports, for this spec."""
    used = sorted(set(functions))
    loss_fns = [n for n in used if n in losses.LOSS_FUNCTIONS]
    accuracies = [n for n in used if n in _ACCURACIES]
    parts = [
        f"EPSILON = {literal(losses.EPSILON)}  # keras.config.epsilon()",
        inspect.getsource(losses._clip),
        *(inspect.getsource(losses.LOSS_FUNCTIONS[n]) for n in loss_fns),
        *(inspect.getsource(getattr(losses, n)) for n in accuracies),
        inspect.getsource(optimizers.KerasOptimizer),
        inspect.getsource(optimizer_cls),
        inspect.getsource(batch_norm.inference_mode),
        inspect.getsource(batch_norm.KerasMovingVariance),
        *(inspect.getsource(f) for f in spec_training.SCHEDULE_FUNCTIONS.values()),
    ]
    tables = [
        f"Optimizer = {optimizer_cls.__name__}",
        _assign("LOSS_FUNCTIONS", [f"{literal(n)}: {n}" for n in loss_fns], "{}"),
        _assign("ACCURACIES", [f"{literal(n)}: {n}" for n in accuracies], "{}"),
        _assign(
            "SCHEDULE_FUNCTIONS",
            [f"{literal(n)}: {f.__name__}" for n, f in spec_training.SCHEDULE_FUNCTIONS.items()],
            "{}",
        ),
    ]
    return "\n\n\n".join(p.rstrip("\n") for p in parts) + "\n\n\n" + "\n".join(tables) + "\n"
