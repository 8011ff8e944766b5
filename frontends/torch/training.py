"""A PyTorch optimizer and loss -> the spec's ``training:`` section, where Keras' rules give
the same numbers; everything else is refused with the reason.

torch.optim.SGD with a constant learning rate is Keras' SGD (``v = m*v - lr*g`` is
``-lr`` times PyTorch's buffer), and a coupled ``weight_decay`` is an L2 penalty of
``weight_decay / 2`` on every weight. PyTorch's Adam, AdamW, RMSprop and Adagrad put epsilon
where Keras does not (after the bias correction, outside the square root): the spec says so
(``epsilon_after_bias_correction``, ``epsilon_outside_sqrt``), and both backends then use
PyTorch's formula. RMSprop's momentum buffer holds ``g/denominator`` in PyTorch and
``lr*g/denominator`` in Keras: the same updates at the constant learning rate carried here.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from nnspec.spec.errors import ConversionError
from nnspec.spec.model import Model
from nnspec.spec.training import Training

_STATISTICS = ("moving_mean", "moving_variance")
_RECURRENT = ("lstm", "gru", "simple_rnn")


def training_from_torch(
    spec: Model,
    optimizer: torch.optim.Optimizer | None,
    loss: torch.nn.Module | None,
    module: torch.nn.Module | None = None,
) -> Training:
    if loss is None:
        raise ConversionError("from_torch: optimizer= needs loss= too (the spec's loss)")
    if optimizer is not None and module is not None:
        _same_parameters(optimizer, module)
    opt, l2 = _optimizer(optimizer, spec) if optimizer is not None else ({"name": "sgd"}, 0.0)
    regularizers = {}
    if l2:
        from nnspec.spec.checked import weight_decls

        for node, weights in weight_decls(spec).items():
            keep = {w: {"l2": l2} for w in weights if w not in _STATISTICS}
            if keep:
                regularizers[node] = keep
    return Training.model_validate(
        {"optimizer": opt, "loss": _loss(loss), "regularizers": regularizers}
    )


# Settings that do not change the numbers (how the update is run, not what it computes).
_HARMLESS = {"params", "foreach", "fused", "capturable", "differentiable", "initial_lr"}
# torch class -> (spec optimizer, the spec flag for torch.optim's epsilon placement)
_CARRIED = {
    torch.optim.Adam: ("adam", "epsilon_after_bias_correction"),
    torch.optim.AdamW: ("adamw", "epsilon_after_bias_correction"),
    torch.optim.RMSprop: ("rmsprop", "epsilon_outside_sqrt"),
    torch.optim.Adagrad: ("adagrad", "epsilon_outside_sqrt"),
}


def _same_parameters(optimizer: torch.optim.Optimizer, module: torch.nn.Module) -> None:
    """The spec trains every weight: the optimizer must hold all of the module's parameters,
    and none may be frozen (``requires_grad=False`` is not carried)."""
    held = {id(p) for g in optimizer.param_groups for p in g["params"]}
    named = list(module.named_parameters())
    frozen = [n for n, p in named if not p.requires_grad]
    missing = [n for n, p in named if p.requires_grad and id(p) not in held]
    if frozen or missing:
        what = f"frozen {frozen}" if frozen else f"not in the optimizer: {missing}"
        raise ConversionError(
            f"from_torch: parameters {what}; the spec's optimizer updates every weight"
        )


def _optimizer(optimizer: torch.optim.Optimizer, spec: Model) -> tuple[dict[str, Any], float]:
    """The spec optimizer and the L2 coefficient standing for torch's coupled weight decay."""
    name = type(optimizer).__name__
    if type(optimizer) is not torch.optim.SGD and type(optimizer) not in _CARRIED:
        raise ConversionError(
            f"from_torch: optimizer {name} is not carried (supported: SGD, Adam, AdamW, "
            "RMSprop, Adagrad, the classes themselves, not subclasses)"
        )
    groups = optimizer.param_groups
    g = groups[0]
    if any(
        any(h.get(k) != g.get(k) for k in g if k not in ("params", "initial_lr")) for h in groups
    ):
        raise ConversionError(
            "from_torch: the optimizer's parameter groups have different settings; "
            "the spec has one optimizer for every weight"
        )
    if g.get("maximize"):
        raise ConversionError(f"from_torch: {name}(maximize=True) has no Keras form")
    lr = g["lr"].item() if isinstance(g["lr"], torch.Tensor) else float(g["lr"])
    if type(optimizer) is torch.optim.SGD:
        return _sgd(g, lr, spec)
    spec_name, flag = _CARRIED[type(optimizer)]
    opt: dict[str, Any] = {"name": spec_name, "learning_rate": lr, "epsilon": float(g["eps"])}
    opt[flag] = True
    used = {"lr", "eps", "weight_decay", "maximize"}
    wd = float(g["weight_decay"])
    decoupled = spec_name == "adamw" or g.get("decoupled_weight_decay", False)
    used.add("decoupled_weight_decay")
    if spec_name in ("adam", "adamw"):
        opt["beta_1"], opt["beta_2"] = (float(b) for b in g["betas"])
        opt["amsgrad"] = bool(g["amsgrad"])
        used |= {"betas", "amsgrad"}
        if decoupled:  # p *= 1 - lr*wd before the update: Keras' weight_decay, AdamW's rule
            opt["name"] = "adamw"
            opt["weight_decay"] = wd
            wd = 0.0
    elif spec_name == "rmsprop":
        opt.update(rho=float(g["alpha"]), momentum=float(g["momentum"]), centered=g["centered"])
        used |= {"alpha", "momentum", "centered"}
    else:
        if g["lr_decay"]:
            raise ConversionError(
                f"from_torch: Adagrad(lr_decay={g['lr_decay']}): an inverse-time decay of the "
                "learning rate, which the spec's schedules do not include"
            )
        opt["initial_accumulator_value"] = float(g["initial_accumulator_value"])
        used |= {"lr_decay", "initial_accumulator_value"}
    unknown = sorted(k for k in g if k not in used | _HARMLESS)
    if unknown:
        raise ConversionError(
            f"from_torch: {name} settings {unknown} are not known to nnspec: not carried"
        )
    return opt, _coupled_decay(wd, spec, name)


def _sgd(g: dict, lr: float, spec: Model) -> tuple[dict[str, Any], float]:
    if g["dampening"]:
        raise ConversionError("from_torch: SGD with dampening has no Keras form")
    opt = {"name": "sgd", "learning_rate": lr, "momentum": float(g["momentum"])}
    opt["nesterov"] = bool(g["nesterov"])
    return opt, _coupled_decay(float(g["weight_decay"]), spec, "SGD")


def _coupled_decay(wd: float, spec: Model, name: str) -> float:
    """torch's coupled weight decay (``g += wd*w``) is an L2 penalty of ``wd / 2``."""
    if wd and any(n.op in _RECURRENT for n in spec.nodes):
        raise ConversionError(
            f"from_torch: {name} weight_decay on a recurrent model: PyTorch decays its two "
            "biases separately, the spec has their sum"
        )
    return wd / 2.0


def _loss(loss: torch.nn.Module) -> dict[str, Any]:
    name = type(loss).__name__
    reduction = getattr(loss, "reduction", None)
    if reduction != "mean":
        raise ConversionError(
            f"from_torch: {name}(reduction={reduction!r}): only 'mean', which is Keras' "
            "'sum_over_batch_size'"
        )
    if getattr(loss, "weight", None) is not None or getattr(loss, "pos_weight", None) is not None:
        raise ConversionError(f"from_torch: {name} with class weights is not supported")
    if isinstance(loss, torch.nn.MSELoss):
        return {"name": "mean_squared_error"}
    if isinstance(loss, torch.nn.L1Loss):
        return {"name": "mean_absolute_error"}
    if isinstance(loss, torch.nn.HuberLoss):
        return {"name": "huber", "delta": loss.delta}
    if isinstance(loss, torch.nn.CrossEntropyLoss):
        if loss.label_smoothing or loss.ignore_index != -100:
            raise ConversionError(
                "from_torch: CrossEntropyLoss with label_smoothing or ignore_index has no Keras "
                "sparse-crossentropy form"
            )
        return {"name": "sparse_categorical_crossentropy", "from_logits": True}
    if isinstance(loss, torch.nn.BCEWithLogitsLoss):
        return {"name": "binary_crossentropy", "from_logits": True}
    if isinstance(loss, torch.nn.BCELoss):
        warnings.warn(
            "from_torch: BCELoss clamps log(p) at -100, Keras clips p to [1e-7, 1 - 1e-7]: "
            "the losses differ only for saturated probabilities",
            stacklevel=3,
        )
        return {"name": "binary_crossentropy"}
    raise ConversionError(
        f"from_torch: loss {name} is not supported (MSELoss, L1Loss, HuberLoss, "
        "CrossEntropyLoss, BCEWithLogitsLoss, BCELoss)"
    )
