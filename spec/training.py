"""The ``training:`` section: optimizer, learning-rate schedule, losses, metrics, regularisers,
constraints and frozen nodes. Every field is what Keras' ``compile()`` and layer arguments mean,
with Keras' defaults, so a converted model trains the same way in either framework.

Schedules compute their value here (pure Python), so both backends and the tests share one
definition of "the learning rate at step t" (t counts optimizer steps from 0, as Keras'
``optimizer.iterations`` does).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, PositiveFloat, model_validator

if TYPE_CHECKING:
    from collections.abc import Callable

    from .model import Model
    from .node import Weight


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)  # built when a spec trains


# --- learning-rate schedules ----------------------------------------------------------------


def exponential_decay(
    step: int,
    initial_learning_rate: float,
    decay_steps: int,
    decay_rate: float,
    staircase: bool = False,
) -> float:
    """Keras' ExponentialDecay at ``step``."""
    p = step / decay_steps
    return initial_learning_rate * decay_rate ** (math.floor(p) if staircase else p)


def cosine_decay(
    step: int,
    initial_learning_rate: float,
    decay_steps: int,
    alpha: float = 0.0,
    warmup_target: float | None = None,
    warmup_steps: int = 0,
) -> float:
    """Keras' CosineDecay at ``step``, with its optional linear warmup."""
    t = min(step, decay_steps + warmup_steps)
    if warmup_target is None:
        peak = initial_learning_rate
    elif step < warmup_steps:
        return (warmup_target - initial_learning_rate) * (t / warmup_steps) + initial_learning_rate
    else:
        peak, t = warmup_target, t - warmup_steps
    cosine = 0.5 * (1.0 + math.cos(math.pi * t / decay_steps))
    return peak * ((1.0 - alpha) * cosine + alpha)


def piecewise_constant(step: int, boundaries: list[int], values: list[float]) -> float:
    """Keras' PiecewiseConstantDecay at ``step``: ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``."""
    for b, v in zip(boundaries, values):
        if step <= b:
            return v
    return values[-1]


# The schedules' values: pure functions of the step and the settings, shared by both backends,
# the tests and the standalone ``<name>_train.py`` (which copies their source).
SCHEDULE_FUNCTIONS: dict[str, Callable[..., float]] = {
    "exponential_decay": exponential_decay,
    "cosine_decay": cosine_decay,
    "piecewise_constant": piecewise_constant,
}


class _Schedule(_Strict):
    def __call__(self, step: int) -> float:
        return SCHEDULE_FUNCTIONS[self.schedule](step, **self.settings())  # type: ignore[attr-defined]

    def settings(self) -> dict[str, Any]:
        """Keyword arguments of the schedule's function."""
        return self.model_dump(exclude={"schedule"})


class ExponentialDecay(_Schedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored if staircase)."""

    schedule: Literal["exponential_decay"]
    initial_learning_rate: PositiveFloat
    decay_steps: Annotated[int, Field(gt=0)]
    decay_rate: PositiveFloat
    staircase: bool = False


class CosineDecay(_Schedule):
    """Keras' CosineDecay: optional linear warmup from ``initial_learning_rate`` to
    ``warmup_target`` over ``warmup_steps``, then cosine decay to ``alpha`` times the peak over
    ``decay_steps``; constant afterwards."""

    schedule: Literal["cosine_decay"]
    initial_learning_rate: NonNegativeFloat
    decay_steps: Annotated[int, Field(gt=0)]
    alpha: NonNegativeFloat = 0.0
    warmup_target: NonNegativeFloat | None = None
    warmup_steps: Annotated[int, Field(ge=0)] = 0


class PiecewiseConstant(_Schedule):
    """``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]`` (Keras' convention)."""

    schedule: Literal["piecewise_constant"]
    boundaries: list[int]
    values: list[float]

    @model_validator(mode="after")
    def _lengths(self) -> PiecewiseConstant:
        if len(self.values) != len(self.boundaries) + 1:
            raise ValueError(
                f"piecewise_constant needs one more value than boundaries. Received: "
                f"{len(self.boundaries)} boundaries, {len(self.values)} values"
            )
        if sorted(self.boundaries) != self.boundaries:
            raise ValueError(f"boundaries must increase. Received: boundaries={self.boundaries}")
        return self


Schedule = Annotated[
    ExponentialDecay | CosineDecay | PiecewiseConstant, Field(discriminator="schedule")
]
LearningRate = PositiveFloat | Schedule


def dump_training(t: Training) -> dict[str, Any]:
    """The section as YAML data, defaults left out (discriminators are required, so kept)."""
    return t.model_dump(mode="json", exclude_defaults=True)


def learning_rate_at(
    lr: float | ExponentialDecay | CosineDecay | PiecewiseConstant, step: int
) -> float:
    return float(lr) if isinstance(lr, (int, float)) else lr(step)


# --- optimizers -----------------------------------------------------------------------------

Clip = PositiveFloat | None


class _Optimizer(_Strict):
    learning_rate: LearningRate = 0.001
    weight_decay: NonNegativeFloat | None = Field(
        None, description="Decoupled decay: w -= w * weight_decay * lr before each update."
    )
    clipnorm: Clip = Field(None, description="Clip each gradient to this L2 norm.")
    global_clipnorm: Clip = Field(None, description="Clip all gradients to this joint L2 norm.")
    clipvalue: Clip = Field(None, description="Clip each gradient element to [-v, v].")

    @model_validator(mode="after")
    def _one_clip(self) -> _Optimizer:
        given = [k for k in ("clipnorm", "global_clipnorm", "clipvalue") if getattr(self, k)]
        if len(given) > 1:
            raise ValueError(f"only one of clipnorm, global_clipnorm, clipvalue. Received: {given}")
        return self


class SGD(_Optimizer):
    """Keras SGD: ``m = momentum*m - lr*g``; ``w += m`` (nesterov: ``w += momentum*m - lr*g``)."""

    name: Literal["sgd"]
    learning_rate: LearningRate = 0.01
    momentum: Annotated[float, Field(ge=0, le=1)] = 0.0
    nesterov: bool = False


class Adam(_Optimizer):
    """Keras Adam: ``epsilon`` is added to the uncorrected ``sqrt(v)``, with the bias correction
    folded into the step size ``lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``."""

    name: Literal["adam"]
    beta_1: Annotated[float, Field(ge=0, lt=1)] = 0.9
    beta_2: Annotated[float, Field(ge=0, lt=1)] = 0.999
    epsilon: PositiveFloat = 1e-7
    amsgrad: bool = False
    epsilon_after_bias_correction: bool = Field(
        False,
        description="PyTorch's placement (torch.optim.Adam): w -= lr / (1 - beta_1**t) * m / "
        "(sqrt(v) / sqrt(1 - beta_2**t) + epsilon).",
    )


class AdamW(Adam):
    """Adam with decoupled weight decay (Keras' default 0.004)."""

    name: Literal["adamw"]  # type: ignore[assignment]
    weight_decay: NonNegativeFloat | None = 0.004


class RMSprop(_Optimizer):
    """Keras RMSprop: ``epsilon`` inside the square root: ``lr * g / sqrt(ms + epsilon)``."""

    name: Literal["rmsprop"]
    rho: Annotated[float, Field(ge=0, lt=1)] = 0.9
    momentum: Annotated[float, Field(ge=0, le=1)] = 0.0
    epsilon: PositiveFloat = 1e-7
    centered: bool = False
    epsilon_outside_sqrt: bool = Field(
        False,
        description="PyTorch's placement (torch.optim.RMSprop): lr * g / (sqrt(ms) + epsilon).",
    )


class Adagrad(_Optimizer):
    """Keras Adagrad: accumulator starts at ``initial_accumulator_value``; epsilon inside sqrt."""

    name: Literal["adagrad"]
    initial_accumulator_value: NonNegativeFloat = 0.1
    epsilon: PositiveFloat = 1e-7
    epsilon_outside_sqrt: bool = Field(
        False,
        description="PyTorch's placement (torch.optim.Adagrad): lr * g / (sqrt(acc) + epsilon).",
    )


class Nadam(_Optimizer):
    """Keras Nadam, with its momentum schedule ``beta_1 * (1 - 0.5 * 0.96**t)``."""

    name: Literal["nadam"]
    beta_1: Annotated[float, Field(ge=0, lt=1)] = 0.9
    beta_2: Annotated[float, Field(ge=0, lt=1)] = 0.999
    epsilon: PositiveFloat = 1e-7


Optimizer = Annotated[SGD | Adam | AdamW | RMSprop | Adagrad | Nadam, Field(discriminator="name")]

# --- losses, metrics, regularisers, constraints ---------------------------------------------

LossName = Literal[
    "mean_squared_error",
    "mean_absolute_error",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "huber",
]


class Loss(_Strict):
    """A Keras loss. Crossentropies read probabilities unless ``from_logits`` (Keras clips them
    to [1e-7, 1 - 1e-7] first). ``sum_over_batch_size`` is the mean over every sample."""

    name: LossName
    from_logits: bool = False
    label_smoothing: Annotated[float, Field(ge=0, le=1)] = 0.0
    delta: PositiveFloat = Field(1.0, description="huber only.")
    reduction: Literal["sum_over_batch_size", "sum"] = "sum_over_batch_size"

    @model_validator(mode="after")
    def _applicable(self) -> Loss:
        if self.from_logits and "crossentropy" not in self.name:
            raise ValueError(f"from_logits applies to crossentropies only, not {self.name}")
        if self.label_smoothing and self.name not in (
            "categorical_crossentropy",
            "binary_crossentropy",
        ):
            raise ValueError(
                f"label_smoothing applies to categorical/binary crossentropy only, not {self.name}"
            )
        return self


MetricName = Literal[
    "mean_squared_error",
    "mean_absolute_error",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "binary_accuracy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
]


class Regularizer(_Strict):
    """Keras' L1L2: ``l1 * sum|w| + l2 * sum(w**2)`` added to the loss (not weight decay)."""

    l1: NonNegativeFloat = 0.0
    l2: NonNegativeFloat = 0.0


class Constraint(_Strict):
    """Projection applied to a weight after each optimizer step, as Keras does."""

    name: Literal["non_neg", "max_norm", "unit_norm", "min_max_norm"]
    max_value: float = 2.0
    min_value: float = 0.0
    rate: float = 1.0
    axis: int | list[int] = 0


class Training(_Strict):
    """How the model is trained: what ``model.compile(...)`` and the layers' regularisers,
    constraints and ``trainable`` flags say in Keras."""

    optimizer: Optimizer = Field(default_factory=lambda: Adam(name="adam"))
    loss: Loss | dict[str, Loss] = Field(
        description="One loss for every output, or one per output name."
    )
    loss_weights: dict[str, float] | None = Field(
        None, description="Output name -> weight of its loss in the total."
    )
    metrics: list[MetricName] | dict[str, list[MetricName]] = Field(default_factory=list)
    regularizers: dict[str, dict[str, Regularizer]] = Field(
        default_factory=dict, description="node -> weight name -> penalty added to the loss."
    )
    constraints: dict[str, dict[str, Constraint]] = Field(
        default_factory=dict, description="node -> weight name -> constraint."
    )
    frozen: list[str] = Field(
        default_factory=list,
        description="Nodes with trainable=False: no updates; batch norm stays in inference mode.",
    )

    def loss_for(self, output: str) -> Loss:
        return self.loss[output] if isinstance(self.loss, dict) else self.loss

    def metrics_for(self, output: str) -> list[str]:
        return list(
            self.metrics.get(output, []) if isinstance(self.metrics, dict) else self.metrics
        )


def training_of(model: Model) -> Training:
    """The spec's ``training:`` section, for code that trains it; SpecError when absent."""
    if model.training is None:
        from .errors import SpecError

        raise SpecError(f"spec {model.name!r} has no training: section", attr="training")
    return model.training


def training_problems(model: Model, decls: dict[str, dict[str, Weight]]) -> list[str]:
    """Names in ``training:`` that the model does not have (nodes, weights, outputs);
    ``decls`` is node -> declared weights."""
    t = model.training
    if t is None:
        return []
    problems = []
    for section in ("regularizers", "constraints"):
        for node, params in getattr(t, section).items():
            if node not in decls:
                problems.append(f"training.{section}: no node {node!r}")
                continue
            for p in params:
                if p not in decls[node]:
                    problems.append(
                        f"training.{section}: node {node!r} has no weight {p!r} "
                        f"(it has {sorted(decls[node])})"
                    )
    problems += [f"training.frozen: no node {n!r}" for n in t.frozen if n not in decls]
    for field in ("loss", "loss_weights", "metrics"):
        value = getattr(t, field)
        if isinstance(value, dict):
            problems += [
                f"training.{field}: {k!r} is not an output (outputs: {model.outputs})"
                for k in value
                if k not in model.outputs
            ]
    if isinstance(t.loss, dict):
        problems += [
            f"training.loss: output {o!r} has no loss" for o in model.outputs if o not in t.loss
        ]
    return problems
