"""Keras' optimizers as ``torch.optim.Optimizer`` subclasses, update for update.

Each ``step`` does what Keras' ``optimizer.apply`` does: clip the gradients (clipnorm per
tensor, global_clipnorm jointly, or clipvalue), apply decoupled weight decay
``w -= w * weight_decay * lr``, then the optimizer's own update, with Keras' placement of
epsilon (Adam and Nadam outside the square root of the *uncorrected* second moment, RMSprop
and Adagrad inside it). ``iterations`` counts steps from 0, as ``optimizer.iterations`` does.
"""

from __future__ import annotations

import math

import torch


class KerasOptimizer(torch.optim.Optimizer):
    """Shared part: clipping, weight decay, the step counter."""

    def __init__(
        self, params, defaults: dict, *, clipnorm=None, global_clipnorm=None, clipvalue=None
    ):
        defaults = {"weight_decay": None, **defaults}
        super().__init__(params, defaults)
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.iterations = 0

    def _params_with_grad(self):
        return [p for g in self.param_groups for p in g["params"] if p.grad is not None]

    def _clip(self) -> None:
        params = self._params_with_grad()
        if self.clipnorm:
            for p in params:  # g * c / max(|g|, c), as keras.ops.clip_by_norm
                norm = p.grad.norm()
                p.grad.mul_(self.clipnorm / torch.maximum(norm, norm.new_tensor(self.clipnorm)))
        elif self.global_clipnorm:
            norm = torch.sqrt(sum(p.grad.square().sum() for p in params))
            scale = self.global_clipnorm / torch.maximum(
                norm, norm.new_tensor(self.global_clipnorm)
            )
            for p in params:
                p.grad.mul_(scale)
        elif self.clipvalue:
            for p in params:
                p.grad.clamp_(-self.clipvalue, self.clipvalue)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        if self.clipnorm or self.global_clipnorm or self.clipvalue:
            self._clip()
        self._begin_step()
        for group, params in self._buckets():
            grads = [p.grad for p in params]
            lr, wd = group["lr"], group["weight_decay"]
            if wd:
                torch._foreach_sub_(params, torch._foreach_mul(params, wd * lr))
            self._update_group(params, grads, lr, group)
        self.iterations += 1
        return loss

    def _buckets(self) -> list[tuple[dict, list]]:
        """The parameters with a gradient, one list per distinct group setting: groups (one
        per node) that share their hyperparameters are updated together, in one run of the
        multi-tensor ops, rather than once per node."""
        buckets: dict[tuple, tuple[dict, list]] = {}
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            settings = group.copy()  # the settings: all but the parameters and the node name
            del settings["params"]
            settings.pop("node", None)
            key: tuple = tuple(settings.items())
            try:
                bucket = buckets.setdefault(key, (group, []))
            except TypeError:  # a setting someone made a list: that group on its own
                bucket = buckets.setdefault((id(group),), (group, []))
            bucket[1].extend(params)
        return list(buckets.values())

    def _begin_step(self) -> None:
        """Per-step state shared by all variables (Nadam's momentum product)."""

    def _update_group(self, params: list, grads: list, lr: float, group: dict) -> None:
        """The update of one parameter group. Adam and SGD run it as a few multi-tensor
        (``_foreach``) ops, as torch.optim does: a step of a small model is mostly Python
        overhead per tensor op, and this loop is what a training step adds to the model."""
        for p, g in zip(params, grads):
            self._update(p, g, lr, group, self.state[p])

    def _update(self, p, g, lr: float, group: dict, state: dict) -> None:
        raise NotImplementedError

    def _buffers(self, params: list, *names: str, fill: float = 0.0) -> list[list]:
        """Per-parameter state tensors, created (filled with ``fill``) on the first step."""
        out: list[list] = [[] for _ in names]
        state = self.state
        for p in params:
            st = state[p]
            for name, buf in zip(names, out):
                b = st.get(name)
                if b is None:
                    b = st[name] = torch.full_like(p, fill, memory_format=torch.preserve_format)
                buf.append(b)
        return out

    def _buffer(self, p, name: str, fill: float = 0.0):
        return self._buffers([p], name, fill=fill)[0][0]

    def state_dict(self):
        out = super().state_dict()
        out["iterations"] = self.iterations
        return out

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        self.iterations = state_dict.pop("iterations", 0)
        super().load_state_dict(state_dict)


class KerasSGD(KerasOptimizer):
    """``m = momentum*m - lr*g``; ``w += m``, or with nesterov ``w += momentum*m - lr*g``."""

    def __init__(self, params, lr=0.01, momentum=0.0, nesterov=False, weight_decay=None, **clip):
        super().__init__(
            params,
            {"lr": lr, "momentum": momentum, "nesterov": nesterov, "weight_decay": weight_decay},
            **clip,
        )

    def _update_group(self, params, grads, lr, group):
        momentum = group["momentum"]
        if not momentum:
            torch._foreach_sub_(params, torch._foreach_mul(grads, lr))
            return
        (ms,) = self._buffers(params, "momentum")
        torch._foreach_mul_(ms, momentum)
        torch._foreach_sub_(ms, torch._foreach_mul(grads, lr))
        if group["nesterov"]:
            step = torch._foreach_mul(ms, momentum)
            torch._foreach_sub_(step, torch._foreach_mul(grads, lr))
            torch._foreach_add_(params, step)
        else:
            torch._foreach_add_(params, ms)


class KerasAdam(KerasOptimizer):
    """``alpha = lr*sqrt(1-b2^t)/(1-b1^t)``; ``w -= alpha*m/(sqrt(v)+eps)`` (v: running max of
    v with amsgrad). AdamW is this with ``weight_decay``. ``epsilon_after_bias_correction``:
    PyTorch's ``w -= lr/(1-b1^t) * m/(sqrt(v)/sqrt(1-b2^t) + eps)``."""

    def __init__(
        self,
        params,
        lr=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        weight_decay=None,
        epsilon_after_bias_correction=False,
        **clip,
    ):
        defaults = {
            "lr": lr,
            "beta_1": beta_1,
            "beta_2": beta_2,
            "epsilon": epsilon,
            "amsgrad": amsgrad,
            "weight_decay": weight_decay,
            "epsilon_after_bias_correction": epsilon_after_bias_correction,
        }
        super().__init__(params, defaults, **clip)

    def _update_group(self, params, grads, lr, group):
        b1, b2, t = group["beta_1"], group["beta_2"], self.iterations + 1
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        ms, vs = self._buffers(params, "m", "v")
        # m += (g - m) * (1 - b1), as Keras writes it: what lerp computes for a weight below
        # 0.5 (above, an equal form, to rounding); v += (g^2 - v) * (1 - b2) as
        # b2*v + (1-b2)*g*g, equal to rounding, in place (no g^2 the size of the model)
        torch._foreach_lerp_(ms, grads, 1 - b1)
        torch._foreach_mul_(vs, b2)
        torch._foreach_addcmul_(vs, grads, grads, value=1 - b2)
        if group["amsgrad"]:
            (v_hats,) = self._buffers(params, "v_hat")
            torch._foreach_maximum_(v_hats, vs)
            vs = v_hats
        denominator = torch._foreach_sqrt(vs)
        if group["epsilon_after_bias_correction"]:  # torch.optim.Adam's, op for op
            torch._foreach_div_(denominator, math.sqrt(1 - b2**t))
            torch._foreach_add_(denominator, group["epsilon"])
            torch._foreach_addcdiv_(params, ms, denominator, value=-lr / (1 - b1**t))
            return
        torch._foreach_add_(denominator, group["epsilon"])
        torch._foreach_addcdiv_(params, ms, denominator, value=-alpha)


class KerasRMSprop(KerasOptimizer):
    """``ms = rho*ms + (1-rho)*g^2``; step ``lr*g/sqrt(ms + eps)`` (centered: ``ms - mg^2 + eps``),
    through a momentum buffer when ``momentum > 0``; ``epsilon_outside_sqrt``: PyTorch's
    ``lr*g/(sqrt(ms) + eps)``."""

    def __init__(
        self,
        params,
        lr=0.001,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
        weight_decay=None,
        epsilon_outside_sqrt=False,
        **clip,
    ):
        defaults = {
            "lr": lr,
            "rho": rho,
            "momentum": momentum,
            "epsilon": epsilon,
            "centered": centered,
            "weight_decay": weight_decay,
            "epsilon_outside_sqrt": epsilon_outside_sqrt,
        }
        super().__init__(params, defaults, **clip)

    def _update(self, p, g, lr, group, state):
        rho = group["rho"]
        ms = self._buffer(p, "velocity")
        ms.copy_(rho * ms + (1 - rho) * g.square())
        eps = group["epsilon"]
        if group["centered"]:
            mg = self._buffer(p, "average_grad")
            mg.copy_(rho * mg + (1 - rho) * g)
            ms = ms - mg.square()
        if group["epsilon_outside_sqrt"]:  # torch.optim.RMSprop's
            increment = lr * g / (ms.sqrt() + eps)
        else:
            increment = lr * g / (ms + eps).sqrt()
        if group["momentum"] > 0:
            buf = self._buffer(p, "momentum")
            buf.copy_(group["momentum"] * buf + increment)
            p.sub_(buf)
        else:
            p.sub_(increment)


class KerasAdagrad(KerasOptimizer):
    """``acc += g^2`` (from ``initial_accumulator_value``); ``w -= lr*g/sqrt(acc + eps)``
    (``epsilon_outside_sqrt``: PyTorch's ``lr*g/(sqrt(acc) + eps)``)."""

    def __init__(
        self,
        params,
        lr=0.001,
        initial_accumulator_value=0.1,
        epsilon=1e-7,
        weight_decay=None,
        epsilon_outside_sqrt=False,
        **clip,
    ):
        defaults = {
            "lr": lr,
            "initial_accumulator_value": initial_accumulator_value,
            "epsilon": epsilon,
            "weight_decay": weight_decay,
            "epsilon_outside_sqrt": epsilon_outside_sqrt,
        }
        super().__init__(params, defaults, **clip)

    def _update(self, p, g, lr, group, state):
        acc = self._buffer(p, "accumulator", fill=group["initial_accumulator_value"])
        acc.add_(g.square())
        if group["epsilon_outside_sqrt"]:  # torch.optim.Adagrad's
            p.sub_(lr * g / (acc.sqrt() + group["epsilon"]))
        else:
            p.sub_(lr * g / (acc + group["epsilon"]).sqrt())


class KerasNadam(KerasOptimizer):
    """Keras Nadam: momentum schedule ``u_t = b1*(1 - 0.5*0.96^t)`` and its running product."""

    def __init__(
        self, params, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None, **clip
    ):
        defaults = {
            "lr": lr,
            "beta_1": beta_1,
            "beta_2": beta_2,
            "epsilon": epsilon,
            "weight_decay": weight_decay,
        }
        super().__init__(params, defaults, **clip)
        self.u_product = 1.0

    def _begin_step(self) -> None:
        b1 = self.param_groups[0]["beta_1"]
        self.u_product *= b1 * (1.0 - 0.5 * 0.96 ** (self.iterations + 1))

    def _update(self, p, g, lr, group, state):
        b1, b2 = group["beta_1"], group["beta_2"]
        t = self.iterations + 1
        u_t = b1 * (1.0 - 0.5 * 0.96**t)
        u_t_1 = b1 * (1.0 - 0.5 * 0.96 ** (t + 1))
        u_product_t_1 = self.u_product * u_t_1
        m, v = self._buffer(p, "m"), self._buffer(p, "v")
        m.add_((g - m) * (1 - b1))
        v.add_((g.square() - v) * (1 - b2))
        m_hat = u_t_1 * m / (1 - u_product_t_1) + (1 - u_t) * g / (1 - self.u_product)
        v_hat = v / (1 - b2**t)
        p.sub_(m_hat * lr / (v_hat.sqrt() + group["epsilon"]))

    def state_dict(self):
        out = super().state_dict()
        out["u_product"] = self.u_product
        return out

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        self.u_product = state_dict.pop("u_product", 1.0)
        super().load_state_dict(state_dict)


OPTIMIZERS = {
    "sgd": KerasSGD,
    "adam": KerasAdam,
    "adamw": KerasAdam,
    "rmsprop": KerasRMSprop,
    "adagrad": KerasAdagrad,
    "nadam": KerasNadam,
}
