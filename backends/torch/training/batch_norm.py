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
    ops per batch norm; it is copied again only when something else changed the buffer.

    ``queue``: a list that ``(self, sub)`` is appended to instead, while its ``open`` is true,
    for one update of many batch norms together after backward (``update_queued``; the
    buffer is saved for backward, so it cannot change in place before). A batch norm called
    again before that gets its pending update first, on its own."""

    def __init__(self, bn: torch.nn.Module, queue=None):
        self.old: torch.Tensor | None = None
        self.buffer: torch.Tensor | None = None
        self.version = -1
        self.queue = queue
        self.pending = 0  # the batch's n of a queued update; 0: none
        bn.register_forward_pre_hook(self.before)
        bn.register_forward_hook(self.after)

    def before(self, sub, args) -> None:
        if not (sub.training and sub.track_running_stats):
            return
        if self.pending:  # called again in one step: this batch norm's queued update first
            self.update(sub, self.pending)
        rv = sub.running_var
        assert rv is not None  # tracked statistics
        replaced = rv is not self.buffer
        if replaced or rv._version != self.version:  # loaded, reset, replaced
            self.old = rv.clone()

    def after(self, sub, args, output) -> None:
        if not (sub.training and sub.track_running_stats) or self.old is None:
            return
        x = args[0]
        n = x.numel() // x.shape[1]
        if self.queue is not None and self.queue.open:
            self.pending = n
            self.queue.append((self, sub))
            return
        self.update(sub, n)

    def update(self, sub, n: int) -> None:
        """The correction of the forward just run, as a new tensor (the batch norm's output
        may still need the updated one for backward). Multiplied then added, as the queued
        update does it: the same bits either way."""
        assert self.old is not None
        m = sub.momentum
        with torch.no_grad():
            new = self.old.mul_((1.0 - m) / n).add_(sub.running_var.mul((n - 1) / n))
        sub.running_var = new
        self.old, self.buffer, self.version, self.pending = new.clone(), new, new._version, 0


class MovingVarianceQueue(list):
    """The batch norms whose correction waits for ``update_queued`` (while ``open``)."""

    open = False

    def update_each(self) -> None:
        """Each queued correction on its own (a step that failed before backward finished)."""
        for h, sub in self:
            if h.pending:
                h.update(sub, h.pending)
        self.clear()


@torch.no_grad()
def update_queued(queue: MovingVarianceQueue) -> None:
    """Every queued correction in a few multi-tensor ops, in place (after backward: the
    graph that saved the buffers is gone), with the same arithmetic as ``update``."""
    # one entry per batch norm (one called twice in a step was updated on its own first)
    entries = list({id(h): (h, sub) for h, sub in queue if h.pending}.values())
    queue.clear()
    if not entries:
        return
    olds = [h.old for h, _ in entries]
    rvs = [sub.running_var for _, sub in entries]
    torch._foreach_mul_(olds, [(1.0 - sub.momentum) / h.pending for h, sub in entries])
    torch._foreach_add_(
        olds, torch._foreach_mul(rvs, [(h.pending - 1) / h.pending for h, _ in entries])
    )
    torch._foreach_copy_(rvs, olds)
    for (h, _), rv in zip(entries, rvs):
        h.buffer, h.version, h.pending = rv, rv._version, 0
