"""The spec's ``training:`` section in PyTorch: ``torch_training(spec, module)``.

The object it returns trains the generated module as Keras' ``fit`` trains the Keras model:
Keras' optimizer updates (``optimizers.py``), losses (``losses.py``), the learning-rate
schedule stepped once per batch, L1/L2 penalties added to the loss, constraints applied after
each step, frozen nodes without gradients and their batch norms in inference mode.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from nnspec.spec.errors import ConversionError
from nnspec.spec.model import Model
from nnspec.spec.training import Training, learning_rate_at, training_of

from .batch_norm import KerasMovingVariance, MovingVarianceQueue, inference_mode, update_queued
from .losses import METRICS, reduced
from .optimizers import OPTIMIZERS
from .parameters import node_parameters, node_submodules, weight_parameters

# Layers whose training behaviour the generated module reproduces only as an identity.
_TRAIN_IDENTITY_ONLY = {
    "spatial_dropout": "its mask depends on the channel layout",
    "alpha_dropout": "not implemented in the generated module",
    "activity_regularization": "an activity penalty is a loss term on a layer's output",
}


class TorchTraining:
    """``optimizer``, ``scheduler`` (or None), ``loss(outputs, targets)``, ``metrics`` and
    ``step(inputs, targets)`` for a module generated from ``spec``."""

    def __init__(self, spec: Model, module: torch.nn.Module):
        if spec.training is None:
            raise ConversionError(f"spec {spec.name!r} has no training: section")
        self.spec, self.module = spec, module
        t: Training = spec.training
        _refuse_untrainable(spec)
        self._output_shapes = _output_shapes(spec, module)
        by_node = node_parameters(module)
        wanted = {
            n: set(t.regularizers.get(n, {})) | set(t.constraints.get(n, {})) for n in by_node
        }
        weights = {
            n: weight_parameters(spec, n, ps, wanted[n]) for n, ps in by_node.items() if wanted[n]
        }
        self.penalties = [
            (r, p) for n, ws in t.regularizers.items() for w, r in ws.items() for p in weights[n][w]
        ]
        self.constraints = [
            (c, p) for n, ws in t.constraints.items() for w, c in ws.items() for p in weights[n][w]
        ]
        frozen_bns: list[torch.nn.Module] = []
        for node in t.frozen:
            for p in by_node.get(node, {}).values():
                p.requires_grad_(False)
            for sub in node_submodules(module, node):
                if isinstance(sub, torch.nn.modules.batchnorm._BatchNorm):
                    sub.register_forward_pre_hook(inference_mode)
                    frozen_bns.append(sub)
        # what step() checks is in training mode (frozen batch norms put themselves in eval)
        self._in_training = [m for m in module.modules() if all(m is not b for b in frozen_bns)]
        self._bn_queue = MovingVarianceQueue()  # step() updates them all at once
        for sub in module.modules():
            if isinstance(sub, torch.nn.modules.batchnorm._BatchNorm):
                KerasMovingVariance(sub, self._bn_queue)
        self.optimizer = _optimizer(t, by_node)
        self.scheduler = _scheduler(t, self.optimizer)
        self._losses = [
            (o, reduced(t.loss_for(o)), (t.loss_weights or {}).get(o, 1.0)) for o in spec.outputs
        ]
        self.metrics: dict[str, Callable] = {}
        for i, o in enumerate(spec.outputs):
            for m in t.metrics_for(o):
                key = m if len(spec.outputs) == 1 else f"{o}_{m}"
                self.metrics[key] = _on_output(METRICS[m], i, len(spec.outputs))

    def loss(self, outputs, targets) -> torch.Tensor:
        """The spec's loss (weighted per output) plus every L1/L2 penalty."""
        total = self._data_loss(outputs, targets)
        for r, p in self.penalties:
            if not p.requires_grad:  # Keras adds the penalties of trainable weights only
                continue
            if r.l1:
                total = total + r.l1 * p.abs().sum()
            if r.l2:
                total = total + r.l2 * p.square().sum()
        return total

    def _data_loss(self, outputs, targets) -> torch.Tensor:
        """The weighted sum of the outputs' losses; no ``0 +`` and no ``1.0 *`` (exact, and
        each would be one more node to run backward through)."""
        total = None
        outputs = _as_list(outputs)
        for (o, _, _), p, want in zip(self._losses, outputs, self._output_shapes):
            if len(p.shape) != len(want) or any(d not in (None, n) for d, n in zip(want, p.shape)):
                raise ConversionError(
                    f"output {o!r}: the module returned shape {tuple(p.shape)}, the spec's loss "
                    f"reads {_shape_text(want)} (Keras' layout: the module to_torch(spec) builds "
                    "without channels_first)",
                    node=o,
                )
        for (_, fn, w), p, y in zip(self._losses, outputs, _as_list(targets)):
            term = fn(p, y) if w == 1.0 else w * fn(p, y)
            total = term if total is None else total + term
        assert total is not None, "a spec has at least one output"
        return total

    def _add_penalties(self, total: torch.Tensor) -> torch.Tensor:
        """``total`` plus every penalty, their gradients added to ``.grad``."""
        for value in self._penalties():
            total = total + value
        return total

    @torch.no_grad()
    def _penalties(self) -> list[torch.Tensor]:
        """Each kind's penalty value (l1, l2), after adding their gradients (``l1*sign(w) +
        2*l2*w``: what backward gives, bit for bit) straight into ``.grad``: the penalties add
        no nodes to the autograd graph, whose backward is most of a small model's step. Done
        before backward, backward adds its gradients to these (the same sum, in the other
        order: the same bits). All weights are done together, a few multi-tensor ops with
        one coefficient per weight; the values sum to ``loss()``'s penalties to float32
        rounding (summed in another order)."""
        kinds, params, merged = self._penalty_kinds()
        if not params:
            return []
        values, deltas = [], []
        for kind, ps, cs, weights in kinds:  # cs: l1, or 2*l2 (the gradient's)
            norms = torch.stack(torch._foreach_norm(ps, 1 if kind == "l1" else 2))
            values.append(torch.dot(norms if kind == "l1" else norms.square(), weights))
            if kind == "l1":
                g = torch._foreach_sign(ps)
                torch._foreach_mul_(g, cs)
            else:
                g = torch._foreach_mul(ps, cs)
            deltas.append(g)
        ds: list[torch.Tensor]
        if merged is None:  # each weight has one term: the one kind's, in order
            ds = list(deltas[0])
        else:  # a weight's terms summed in order (l1 then l2), as backward adds them
            ds = []
            for (k, i), *rest in merged:
                d = deltas[k][i]
                for k2, i2 in rest:
                    d = d + deltas[k2][i2]
                ds.append(d)
        grads = [p.grad for p in params]
        if all(g is None for g in grads):  # zero_grad(): the deltas become the gradients
            for p, d in zip(params, ds):
                p.grad = d
        elif all(g is not None for g in grads):
            torch._foreach_add_(grads, ds)
        else:
            for p, g, d in zip(params, grads, ds):
                if g is None:
                    p.grad = d
                else:
                    g.add_(d)
        return values

    def _penalty_kinds(
        self,
    ) -> tuple[list[tuple[str, list, list, torch.Tensor]], list, list | None]:
        """``(kind, weights, gradient coefficients, coefficients as a tensor)`` per kind, of
        the trainable weights only (as Keras adds them), the penalised weights, and where each
        one's gradient terms are (None when each has one); rebuilt only when a weight's
        ``requires_grad`` or a penalty's tensor changed, not on every step."""
        key = tuple([(id(p), p.requires_grad, p.dtype, p.device) for _, p in self.penalties])
        cached = getattr(self, "_penalty_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        kinds: dict[str, tuple[list, list]] = {"l1": ([], []), "l2": ([], [])}
        for r, p in self.penalties:
            if p.requires_grad:
                for kind, c in (("l1", r.l1), ("l2", r.l2)):
                    if c:
                        kinds[kind][0].append(p)
                        kinds[kind][1].append(c)
        out = [
            (
                kind,
                ps,
                cs if kind == "l1" else [2 * c for c in cs],
                torch.tensor(cs, dtype=_promoted(ps), device=ps[0].device),
            )
            for kind, (ps, cs) in kinds.items()
            if ps
        ]
        # each weight once, in order, with where its terms are in the kinds' lists
        where: dict[int, tuple[torch.Tensor, list]] = {}
        for k, (_, ps, _, _) in enumerate(out):
            for i, p in enumerate(ps):
                where.setdefault(id(p), (p, []))[1].append((k, i))
        params = [p for p, _ in where.values()]
        simple = len(out) == 1 and len(params) == len(out[0][1])
        merged = None if simple else [terms for _, terms in where.values()]
        value = (out, params, merged)
        self._penalty_cache = (key, value)
        return value

    def step(self, inputs, targets) -> torch.Tensor:
        """One training step on one batch; returns the loss (detached)."""
        if not all(m.training for m in self._in_training):  # train() sets every submodule
            self.module.train()
        self.optimizer.zero_grad()
        penalties = self._penalties()  # their gradients: backward adds the loss's to them
        queue = self._bn_queue
        queue.open = True
        try:
            outputs = self.module(*_as_list(inputs))
            loss = self._data_loss(outputs, targets)
            loss.backward()
        except BaseException:
            queue.open = False
            queue.update_each()
            raise
        queue.open = False
        update_queued(queue)  # the batch norms' Keras variances, in place now backward is done
        loss = loss.detach()
        for value in penalties:  # the value of loss(), whose backward gives these gradients
            loss = loss + value
        self.optimizer.step()  # clipping and weight decay happen inside, as in Keras
        self.apply_constraints()
        if self.scheduler is not None:
            self.scheduler.step()
        return loss.detach()

    @torch.no_grad()
    def apply_constraints(self) -> None:
        for _, p in self.constraints:
            p.clamp_(min=0.0)  # non_neg; the only one _refuse_untrainable lets through


def torch_training(spec: Model, module: torch.nn.Module) -> TorchTraining:
    return TorchTraining(spec, module)


def _output_shapes(spec: Model, module: torch.nn.Module) -> list[tuple[int | None, ...]]:
    """Each output's shape as the loss reads it (None: any size); a module marked channels
    first (``to_torch(spec, channels_first=True)``) with image outputs is refused outright."""
    from nnspec.spec.checked import infer_types

    types = infer_types(spec)
    shapes = [
        (None, *(d if isinstance(d, int) else None for d in types[o].shape[1:]))
        for o in spec.outputs
    ]
    images = [o for o, s in zip(spec.outputs, shapes) if len(s) >= 4]
    if images and getattr(module, "nnspec_channels_first", False):
        raise ConversionError(
            "cannot train a channels-first module with image outputs: Keras' losses read the "
            "classes on the last axis, the module returns them on axis 1 (train the module "
            "to_torch(spec) builds by default)",
            node=images[0],
        )
    return shapes


def _promoted(ps: list[torch.Tensor]) -> torch.dtype:
    """The dtype ``torch.stack`` gives the weights' norms."""
    dtype = ps[0].dtype
    for p in ps[1:]:
        dtype = torch.promote_types(dtype, p.dtype)
    return dtype


def _shape_text(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("N" if d is None else str(d) for d in shape) + ")"


def _as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _on_output(fn: Callable, i: int, n: int) -> Callable:
    if n == 1:
        return fn
    return lambda outputs, targets: fn(outputs[i], targets[i])


def _refuse_untrainable(spec: Model) -> None:
    t = training_of(spec)
    for node in spec.nodes:
        why = _TRAIN_IDENTITY_ONLY.get(node.op)
        if why and any(getattr(node, k, d) for k, d in (("rate", 1), ("l1", 0), ("l2", 0))):
            raise ConversionError(
                f"cannot train {node.op} in PyTorch yet: {why}", node=node.name, op=node.op
            )
        if getattr(node, "dropout", 0.0) or getattr(node, "recurrent_dropout", 0.0):
            # the recurrent and attention ops: their dropout is an identity in the generated module
            why = (
                "Keras drops the attention weights in training"
                if "attention" in node.op
                else "Keras drops input and state units per gate, with masks fixed over the time "
                "steps"
            )
            raise ConversionError(
                f"cannot train {node.op} with dropout in PyTorch yet: {why}, and the generated "
                "module has no such dropout (set the rates to 0 to train)",
                node=node.name,
                op=node.op,
            )
        if node.op == "dropout" and getattr(node, "noise_shape", None) is not None:
            raise ConversionError(
                "cannot train dropout with a noise_shape in PyTorch yet", node=node.name, op=node.op
            )
    for owner, ws in t.constraints.items():
        for w, c in ws.items():
            if c.name != "non_neg":
                raise ConversionError(
                    f"constraint {c.name} on {owner}/{w}: its axis is in the Keras layout, and "
                    "nnspec does not carry norm constraints into PyTorch yet",
                    node=owner,
                )


def _optimizer(t: Training, by_node: dict) -> torch.optim.Optimizer:
    o = t.optimizer
    hyper = o.model_dump(
        exclude={"name", "learning_rate", "clipnorm", "global_clipnorm", "clipvalue"}
    )
    lr0 = learning_rate_at(o.learning_rate, 0)
    groups = [
        {"params": [p for p in ps.values() if p.requires_grad], "node": node}
        for node, ps in by_node.items()
    ]
    groups = [g for g in groups if g["params"]]  # one group per node, named by it
    if not groups:
        raise ConversionError("every parameter is frozen: there is nothing to train")
    clip = {k: getattr(o, k) for k in ("clipnorm", "global_clipnorm", "clipvalue")}
    return OPTIMIZERS[o.name](groups, lr=lr0, **hyper, **clip)


def _scheduler(t: Training, opt: torch.optim.Optimizer):
    lr = t.optimizer.learning_rate
    if isinstance(lr, (int, float)):
        return None
    for g in opt.param_groups:  # LambdaLR's lr is the group's first lr times the factor
        g["lr"] = 1.0
    return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: lr(step))
