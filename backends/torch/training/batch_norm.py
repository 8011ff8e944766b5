"""Keras' batch normalisation in training, on PyTorch's batch-norm modules: the moving
variance from the biased batch variance, and frozen layers in inference mode. Copied into
``<name>_train.py`` as well (``script.py``), so they hold no reference to nnspec."""

from __future__ import annotations

import torch


def inference_mode(sub: torch.nn.Module, args) -> None:
    """Keras runs a frozen BatchNormalization in inference mode, also inside ``fit``."""
    sub.eval()


class KerasMovingVariance:
    """PyTorch updates ``running_var`` with the unbiased batch variance, Keras its
    ``moving_variance`` with the biased one: ``(1-m)*old + m*(n-1)/n*var``, which is
    ``(1-m)/n*old + (n-1)/n*torch's update``. The old value is kept from the last update (a
    copy: the batch norm overwrites its buffer in place), so a step costs three small tensor
    ops per batch norm; it is copied again only when something else changed the buffer."""

    def __init__(self, bn: torch.nn.Module):
        self.old: torch.Tensor | None = None
        self.buffer: torch.Tensor | None = None
        self.version = -1
        bn.register_forward_pre_hook(self.before)
        bn.register_forward_hook(self.after)

    def before(self, sub, args) -> None:
        if not (sub.training and sub.track_running_stats):
            return
        rv = sub.running_var
        assert rv is not None  # tracked statistics
        replaced = rv is not self.buffer
        if replaced or rv._version != self.version:  # loaded, reset, replaced
            self.old = rv.clone()

    def after(self, sub, args, output) -> None:
        if not (sub.training and sub.track_running_stats) or self.old is None:
            return
        x, m = args[0], sub.momentum
        n = x.numel() // x.shape[1]
        with torch.no_grad():
            new = self.old.mul_((1.0 - m) / n).add_(sub.running_var, alpha=(n - 1) / n)
        sub.running_var = new  # a new tensor: autograd saved the updated one for backward
        self.old, self.buffer, self.version = new.clone(), new, new._version
