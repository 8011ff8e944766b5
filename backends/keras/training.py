"""The spec's ``training:`` section -> ``model.compile(...)``, variable regularisers and
constraints, and ``trainable=False`` layers, on a rebuilt ``keras.Model``."""

from __future__ import annotations

from typing import Any

import keras

from nnspec.spec.errors import ConversionError
from nnspec.spec.model import Model
from nnspec.spec.training import Loss, Training, training_of

_OPTIMIZERS = {
    "sgd": keras.optimizers.SGD,
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "adagrad": keras.optimizers.Adagrad,
    "nadam": keras.optimizers.Nadam,
}
_SCHEDULES = {
    "exponential_decay": keras.optimizers.schedules.ExponentialDecay,
    "cosine_decay": keras.optimizers.schedules.CosineDecay,
    "piecewise_constant": keras.optimizers.schedules.PiecewiseConstantDecay,
}
_LOSSES = {
    "mean_squared_error": keras.losses.MeanSquaredError,
    "mean_absolute_error": keras.losses.MeanAbsoluteError,
    "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
    "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
    "binary_crossentropy": keras.losses.BinaryCrossentropy,
    "huber": keras.losses.Huber,
}
_CONSTRAINTS = {
    "non_neg": lambda c: keras.constraints.NonNeg(),
    "max_norm": lambda c: keras.constraints.MaxNorm(c.max_value, c.axis),
    "unit_norm": lambda c: keras.constraints.UnitNorm(c.axis),
    "min_max_norm": lambda c: keras.constraints.MinMaxNorm(
        c.min_value, c.max_value, c.rate, c.axis
    ),
}


def optimizer(t: Training) -> keras.optimizers.Optimizer:
    from .torch_placement import TORCH_PLACEMENT

    o = t.optimizer
    kwargs = o.model_dump(exclude={"name", "learning_rate"}, exclude_none=True)
    lr = o.learning_rate
    if not isinstance(lr, (int, float)):
        lr = _SCHEDULES[lr.schedule](**lr.model_dump(exclude={"schedule"}))
    cls = _OPTIMIZERS[o.name]
    flag, torch_cls = TORCH_PLACEMENT.get(o.name, (None, None))
    if flag is not None and kwargs.pop(flag):  # epsilon where torch.optim puts it
        cls = torch_cls
    return cls(learning_rate=lr, **kwargs)


def loss(spec_loss: Loss) -> keras.losses.Loss:
    kwargs: dict[str, Any] = {"reduction": spec_loss.reduction}
    if "crossentropy" in spec_loss.name:
        kwargs["from_logits"] = spec_loss.from_logits
    if spec_loss.name in ("categorical_crossentropy", "binary_crossentropy"):
        kwargs["label_smoothing"] = spec_loss.label_smoothing
    if spec_loss.name == "huber":
        kwargs["delta"] = spec_loss.delta
    return _LOSSES[spec_loss.name](**kwargs)


def compile_like_spec(model: keras.Model, spec: Model) -> keras.Model:
    """Attach regularisers, constraints and frozen flags, then ``compile`` as the spec says."""
    t = training_of(spec)
    for node, params in t.regularizers.items():
        for param, r in params.items():
            _variable(model, node, param).regularizer = keras.regularizers.L1L2(r.l1, r.l2)
    for node, limits in t.constraints.items():
        for param, c in limits.items():
            _variable(model, node, param).constraint = _CONSTRAINTS[c.name](c)
    for node in t.frozen:
        model.get_layer(node).trainable = False
    outputs = spec.outputs
    losses = [loss(t.loss_for(o)) for o in outputs]
    weights = None if t.loss_weights is None else [t.loss_weights.get(o, 1.0) for o in outputs]
    metrics = [t.metrics_for(o) for o in outputs]
    model.compile(
        optimizer=optimizer(t),
        loss=losses[0] if len(outputs) == 1 else losses,
        loss_weights=weights,
        metrics=metrics[0] if len(outputs) == 1 else metrics,
    )
    return model


def _variable(model: keras.Model, node: str, param: str):
    """The Keras variable of spec weight ``node/param`` (Bidirectional: ``forward_kernel``...)."""
    layer = model.get_layer(node)
    direction, _, short = param.partition("_")
    for v in layer.weights:
        parts = v.path.split("/")
        if v.name == param or (
            direction in ("forward", "backward")
            and v.name == short
            and any(p.startswith(direction) for p in parts)
        ):
            return v
    raise ConversionError(
        f"Keras layer {node!r} has no variable for spec weight {param!r} "
        f"(it has {[v.path for v in layer.weights]})",
        node=node,
    )
