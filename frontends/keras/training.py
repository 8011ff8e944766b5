"""``model.compile(...)`` and each layer's regularisers, constraints and ``trainable`` flag ->
the spec's ``training:`` section. Reads Keras' own serialised configs (``get_compile_config``,
``get_config``); what cannot be carried exactly is refused by name, what does not change the
numbers (a metric nnspec has no PyTorch version of) is dropped with a warning."""

from __future__ import annotations

import warnings
import weakref

from nnspec.frontends._errors import refusal
from nnspec.spec.model import Model
from nnspec.spec.training import Training

from ._common import layer_refusal

OPTIMIZERS = {
    "SGD": "sgd",
    "Adam": "adam",
    "AdamW": "adamw",
    "RMSprop": "rmsprop",
    "Adagrad": "adagrad",
    "Nadam": "nadam",
}
# nnspec's own Keras classes with torch.optim's epsilon (backends/keras/torch_placement.py):
# class -> (the stock class it changes, the spec flag it stands for)
TORCH_PLACEMENT = {
    "AdamEpsilonAfterBiasCorrection": ("Adam", "epsilon_after_bias_correction"),
    "AdamWEpsilonAfterBiasCorrection": ("AdamW", "epsilon_after_bias_correction"),
    "RMSpropEpsilonOutsideSqrt": ("RMSprop", "epsilon_outside_sqrt"),
    "AdagradEpsilonOutsideSqrt": ("Adagrad", "epsilon_outside_sqrt"),
}
SCHEDULES = {
    "ExponentialDecay": "exponential_decay",
    "CosineDecay": "cosine_decay",
    "PiecewiseConstantDecay": "piecewise_constant",
}
LOSSES = {
    "mse": "mean_squared_error",
    "mean_squared_error": "mean_squared_error",
    "MeanSquaredError": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mean_absolute_error": "mean_absolute_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "categorical_crossentropy": "categorical_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "binary_crossentropy": "binary_crossentropy",
    "BinaryCrossentropy": "binary_crossentropy",
    "huber": "huber",
    "Huber": "huber",
}
METRICS = {
    "mse": "mean_squared_error",
    "mean_squared_error": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mean_absolute_error": "mean_absolute_error",
    "categorical_accuracy": "categorical_accuracy",
    "sparse_categorical_accuracy": "sparse_categorical_accuracy",
    "binary_accuracy": "binary_accuracy",
    "categorical_crossentropy": "categorical_crossentropy",
    "sparse_categorical_crossentropy": "sparse_categorical_crossentropy",
    "binary_crossentropy": "binary_crossentropy",
}
# "accuracy" means the accuracy that fits the loss, as Keras resolves it.
ACCURACY_FOR = {
    "categorical_crossentropy": "categorical_accuracy",
    "sparse_categorical_crossentropy": "sparse_categorical_accuracy",
    "binary_crossentropy": "binary_accuracy",
}
# Optimizer options that change the numbers and that nnspec does not reproduce.
_REFUSED_OPTIONS = {
    "use_ema": "exponential moving averages of the weights",
    "loss_scale_factor": "loss scaling",
    "gradient_accumulation_steps": "gradient accumulation",
}
_CONSTRAINTS = {"NonNeg": "non_neg", "MaxNorm": "max_norm", "UnitNorm": "unit_norm"}
_CONSTRAINTS["MinMaxNorm"] = "min_max_norm"


# Models loaded uncompiled from a .keras archive -> the archive's compile config (JSON data).
_FILE_COMPILE_CONFIGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def remember_compile_config(model, compiled: dict) -> None:
    """``compiled`` (``get_compile_config()``'s form, read from a file) is how ``model`` was
    compiled, though it was loaded without compiling."""
    _FILE_COMPILE_CONFIGS[model] = compiled


def training_from_keras(model, spec: Model) -> Training | None:
    """The ``training:`` section of a compiled model (or of one loaded from a ``.keras`` file
    saved compiled); None when it was never compiled (its layers' regularisers then have no
    loss to join, and are not read)."""
    if model.compiled:
        compiled = model.get_compile_config()
    elif model in _FILE_COMPILE_CONFIGS:
        compiled = _FILE_COMPILE_CONFIGS[model]
    else:
        return None
    regularizers, constraints, frozen = _layer_settings(model, spec)
    losses = _losses(compiled.get("loss"), spec.outputs)
    data = {
        "optimizer": _optimizer(compiled["optimizer"]),
        "loss": losses,
        "loss_weights": _per_output(compiled.get("loss_weights"), spec.outputs, "loss_weights"),
        "metrics": _metrics(compiled.get("metrics"), losses, spec.outputs),
        "regularizers": regularizers,
        "constraints": constraints,
        "frozen": frozen,
    }
    if compiled.get("weighted_metrics"):
        _drop("weighted_metrics", "sample weights are not part of the spec")
    return Training.model_validate(data)


def _f32(value):
    """Keras stores hyperparameters in float32: write 0.001, not 0.0010000000474974513."""
    if isinstance(value, float):
        import numpy as np

        return float(str(np.float32(value)))
    return value


def _drop(what: str, why: str) -> None:
    warnings.warn(f"compile(): {what} is not carried into the spec ({why})", stacklevel=4)


def _class_and_config(obj, what: str) -> tuple[str, dict]:
    if isinstance(obj, str):
        return obj, {}
    if isinstance(obj, dict) and "class_name" in obj:
        module, registered = obj.get("module"), obj.get("registered_name")
        ours = obj["class_name"] in TORCH_PLACEMENT and registered == f"nnspec>{obj['class_name']}"
        stock = not registered and (module is None or module.split(".")[0] == "keras")
        if not (ours or stock):
            # a class name is not an identity: a user's Adam subclass is not Keras' Adam
            raise refusal(
                "compile()",
                f"the {what} {obj['class_name']!r} is a custom class (module {module!r}, "
                f"registered as {registered!r}), not Keras' own: nnspec does not know what it "
                "computes",
            )
        return obj["class_name"], dict(obj.get("config") or {})
    raise refusal("compile()", f"cannot read the {what} {obj!r}")


def _optimizer(obj) -> dict:
    cls, config = _class_and_config(obj, "optimizer")
    cls, flag = TORCH_PLACEMENT.get(cls, (cls, None))
    if cls not in OPTIMIZERS:
        raise refusal(
            "compile()",
            f"optimizer {cls!r} has no PyTorch equivalent in nnspec "
            f"(supported: {', '.join(OPTIMIZERS)})",
        )
    for key, what in _REFUSED_OPTIONS.items():
        if config.get(key):
            raise refusal(
                "compile()", f"optimizer {cls} with {key}={config[key]!r}: {what} is not supported"
            )
    from nnspec.spec import training

    fields = getattr(training, cls).model_fields
    out = {k: _f32(v) for k, v in config.items() if k in fields and k != "name" and v is not None}
    out["name"] = OPTIMIZERS[cls]
    if flag is not None:
        out[flag] = True
    if isinstance(out.get("learning_rate"), dict):
        out["learning_rate"] = _schedule(out["learning_rate"])
    return out


def _schedule(obj: dict) -> dict:
    cls, config = _class_and_config(obj, "learning-rate schedule")
    if cls not in SCHEDULES:
        raise refusal(
            "compile()",
            f"learning-rate schedule {cls!r} is not supported (supported: {', '.join(SCHEDULES)})",
        )
    config.pop("name", None)
    return {"schedule": SCHEDULES[cls], **config}


def _loss(obj) -> dict:
    cls, config = _class_and_config(obj, "loss")
    if cls not in LOSSES:
        raise refusal(
            "compile()", f"loss {cls!r} is not supported (supported: {', '.join(sorted(LOSSES))})"
        )
    if config.get("axis", -1) != -1:
        raise refusal("compile()", f"loss {cls} with axis={config['axis']}: only -1")
    if config.get("ignore_class") is not None:
        raise refusal("compile()", f"loss {cls} with ignore_class: not supported")
    if config.get("reduction", "sum_over_batch_size") not in ("sum_over_batch_size", "sum"):
        raise refusal(
            "compile()",
            f"loss {cls} with reduction={config['reduction']!r}: "
            "only 'sum_over_batch_size' and 'sum'",
        )
    keep = ("from_logits", "label_smoothing", "delta", "reduction")
    return {"name": LOSSES[cls], **{k: config[k] for k in keep if k in config}}


def _losses(obj, outputs: list[str]):
    if obj is None:
        raise refusal("compile()", "the model was compiled without a loss")
    if isinstance(obj, list) or (isinstance(obj, dict) and "class_name" not in obj):
        return {o: _loss(v) for o, v in (_per_output(obj, outputs, "loss") or {}).items()}
    return _loss(obj)


def _per_output(obj, outputs: list[str], what: str) -> dict | None:
    if obj is None:
        return None
    if isinstance(obj, list):
        if len(obj) != len(outputs):
            raise refusal("compile()", f"{what} has {len(obj)} entries for {len(outputs)} outputs")
        return dict(zip(outputs, obj))
    if isinstance(obj, dict):
        unknown = set(obj) - set(outputs)
        if unknown:
            raise refusal(
                "compile()", f"{what} names {sorted(unknown)}, which are not outputs {outputs}"
            )
        return dict(obj)
    raise refusal("compile()", f"cannot read {what}={obj!r}")


def _metric_list(items, loss: dict) -> list[str]:
    out = []
    for m in items or []:
        name, _ = _class_and_config(m, "metric") if not isinstance(m, str) else (m, {})
        if name in ("accuracy", "acc"):
            name = ACCURACY_FOR.get(loss["name"], "")
        elif name in METRICS:
            name = METRICS[name]
        else:
            name = ""
        if not name:
            _drop(
                f"metric {m!r}", "nnspec has no PyTorch version of it; it does not change training"
            )
            continue
        out.append(name)
    return out


def _metrics(obj, losses, outputs: list[str]):
    def loss_of(o):
        return losses[o] if "name" not in losses else losses

    if isinstance(obj, dict) or (isinstance(obj, list) and obj and isinstance(obj[0], list)):
        return {
            o: _metric_list(v, loss_of(o))
            for o, v in (_per_output(obj, outputs, "metrics") or {}).items()
        }
    if len(outputs) > 1 and obj:
        return {o: _metric_list(obj, loss_of(o)) for o in outputs}
    return _metric_list(obj, loss_of(outputs[0]))


def _layer_settings(model, spec: Model) -> tuple[dict, dict, list[str]]:
    """Regularisers, constraints and frozen nodes, by spec node and weight name. Read from
    the variables (``variable.regularizer``), which is what Keras' training uses."""
    names = {n.name for n in spec.nodes}
    regularizers: dict = {}
    constraints: dict = {}
    frozen = []
    for layer in model.layers:
        found = _settings_of(layer)
        if not found:
            continue
        if layer.name not in names:
            raise layer_refusal(
                layer,
                f"has training settings ({', '.join(sorted(found))}) but is not one node of "
                "the spec (a nested model?); nnspec does not carry them there",
            )
        if getattr(layer, "activity_regularizer", None) is not None:
            raise layer_refusal(
                layer,
                "has an activity regulariser: a loss term on its output, which nnspec's "
                "training section does not carry",
                attr="activity_regularizer",
            )
        if not layer.trainable:
            frozen.append(layer.name)
        for v in layer.weights:
            if v.regularizer is not None:
                regularizers.setdefault(layer.name, {})[_weight_name(layer, v)] = _regularizer(
                    layer, v
                )
            if v.constraint is not None:
                constraints.setdefault(layer.name, {})[_weight_name(layer, v)] = _constraint(
                    layer, v
                )
    return regularizers, constraints, frozen


def _weight_name(layer, v) -> str:
    """Spec weight name of a layer's variable: its name, with Bidirectional's direction and
    DepthwiseConv's ``kernel``."""
    name = v.name
    if name == "depthwise_kernel" and type(layer).__name__.startswith("Depthwise"):
        return "kernel"
    if hasattr(layer, "forward_layer"):
        parts = v.path.split("/")
        direction = "forward" if any(p.startswith("forward") for p in parts) else "backward"
        return f"{direction}_{name}"
    return name


def _settings_of(layer) -> set[str]:
    """Which training settings a layer has. ActivityRegularization is an op of its own in
    the spec (and refused by torch_training)."""
    found: set[str] = set()
    if type(layer).__name__ == "ActivityRegularization":
        return found
    if not layer.trainable and layer.weights:
        found.add("trainable=False")
    if getattr(layer, "activity_regularizer", None) is not None:
        found.add("activity_regularizer")
    for v in layer.weights:
        if v.regularizer is not None:
            found.add(f"{v.name} regularizer")
        if v.constraint is not None:
            found.add(f"{v.name} constraint")
    return found


def _regularizer(layer, v) -> dict:
    value = v.regularizer
    config = value.get_config()
    if set(config) - {"l1", "l2"}:
        raise layer_refusal(
            layer,
            f"the regulariser of {v.name!r}, {type(value).__name__}({config}), is not an "
            "L1/L2 penalty; nnspec carries only L1, L2 and L1L2",
        )
    return {k: _f32(v) for k, v in config.items()}


def _constraint(layer, v) -> dict:
    value = v.constraint
    cls = type(value).__name__
    if cls not in _CONSTRAINTS:
        raise layer_refusal(layer, f"constraint {cls} on {v.name!r} is not supported")
    return {"name": _CONSTRAINTS[cls], **value.get_config()}
