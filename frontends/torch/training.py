"""A PyTorch optimizer and loss -> the spec's ``training:`` section, where Keras' rules give
the same numbers; everything else is refused with the reason.

torch.optim.SGD with a constant learning rate is Keras' SGD (``v = m*v - lr*g`` is
``-lr`` times PyTorch's buffer), and its coupled ``weight_decay`` is an L2 penalty of
``weight_decay / 2`` on every weight. PyTorch's Adam, AdamW, RMSprop and Adagrad put epsilon
where Keras does not (after the bias correction, outside the square root), so no Keras
hyperparameters reproduce them: they are refused rather than approximated.
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
    spec: Model, optimizer: torch.optim.Optimizer | None, loss: torch.nn.Module | None
) -> Training:
    if loss is None:
        raise ConversionError("from_torch: optimizer= needs loss= too (the spec's loss)")
    opt, l2 = _optimizer(optimizer, spec) if optimizer is not None else ({"name": "sgd"}, 0.0)
    regularizers = {}
    if l2:
        from nnspec.spec.validate import weight_decls

        for node, weights in weight_decls(spec).items():
            keep = {w: {"l2": l2} for w in weights if w not in _STATISTICS}
            if keep:
                regularizers[node] = keep
    return Training.model_validate(
        {"optimizer": opt, "loss": _loss(loss), "regularizers": regularizers}
    )


def _optimizer(optimizer: torch.optim.Optimizer, spec: Model) -> tuple[dict[str, Any], float]:
    name = type(optimizer).__name__
    if type(optimizer) is not torch.optim.SGD:
        raise ConversionError(
            f"from_torch: optimizer {name} is not carried: PyTorch's "
            "Adam/AdamW/RMSprop/Adagrad place epsilon where Keras does not (after the bias "
            "correction, outside the square root), so no Keras setting gives the same updates; "
            "torch.optim.SGD is supported"
        )
    groups = optimizer.param_groups
    keys = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize")
    if any(any(g[k] != groups[0][k] for k in keys) for g in groups):
        raise ConversionError(
            "from_torch: the optimizer's parameter groups have different settings; "
            "the spec has one optimizer for every weight"
        )
    g = groups[0]
    if g["dampening"] or g["maximize"]:
        raise ConversionError("from_torch: SGD with dampening or maximize has no Keras form")
    wd = float(g["weight_decay"])
    if wd and any(n.op in _RECURRENT for n in spec.nodes):
        raise ConversionError(
            "from_torch: SGD weight_decay on a recurrent model: PyTorch decays its two biases "
            "separately, the spec has their sum"
        )
    lr = float(g["lr"]) if not isinstance(g["lr"], torch.Tensor) else g["lr"].item()
    opt = {"name": "sgd", "learning_rate": lr, "momentum": float(g["momentum"])}
    opt["nesterov"] = bool(g["nesterov"])
    return opt, wd / 2.0


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
