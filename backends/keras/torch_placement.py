"""Keras optimizers that place epsilon where torch.optim does, for a ``training:`` section
carried from PyTorch (``epsilon_after_bias_correction`` on Adam/AdamW,
``epsilon_outside_sqrt`` on RMSprop/Adagrad). Everything else is the stock Keras optimizer's:
only ``update_step`` is written out again, with the one difference. Registered under
``nnspec>``, so a saved ``.keras`` names them (and loads with nnspec installed)."""

from __future__ import annotations

import keras
from keras import ops


def _adam_update(opt, gradient, variable, learning_rate) -> None:
    """torch.optim.Adam: ``w -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)``."""
    lr = ops.cast(learning_rate, variable.dtype)
    gradient = ops.cast(gradient, variable.dtype)
    local_step = ops.cast(opt.iterations + 1, variable.dtype)
    beta_1_power = ops.power(ops.cast(opt.beta_1, variable.dtype), local_step)
    beta_2_power = ops.power(ops.cast(opt.beta_2, variable.dtype), local_step)
    m = opt._momentums[opt._get_variable_index(variable)]
    v = opt._velocities[opt._get_variable_index(variable)]
    opt.assign_add(m, ops.multiply(ops.subtract(gradient, m), 1 - opt.beta_1))
    opt.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v), 1 - opt.beta_2))
    if opt.amsgrad:
        v_hat = opt._velocity_hats[opt._get_variable_index(variable)]
        opt.assign(v_hat, ops.maximum(v_hat, v))
        v = v_hat
    denominator = ops.add(ops.divide(ops.sqrt(v), ops.sqrt(1 - beta_2_power)), opt.epsilon)
    step = ops.divide(lr, 1 - beta_1_power)
    opt.assign_sub(variable, ops.divide(ops.multiply(m, step), denominator))


@keras.saving.register_keras_serializable(package="nnspec")
class AdamEpsilonAfterBiasCorrection(keras.optimizers.Adam):
    """Keras Adam with torch.optim.Adam's placement of epsilon."""

    def update_step(self, gradient, variable, learning_rate):
        _adam_update(self, gradient, variable, learning_rate)


@keras.saving.register_keras_serializable(package="nnspec")
class AdamWEpsilonAfterBiasCorrection(keras.optimizers.AdamW):
    """Keras AdamW (decoupled decay first) with torch.optim.AdamW's placement of epsilon."""

    def update_step(self, gradient, variable, learning_rate):
        _adam_update(self, gradient, variable, learning_rate)


@keras.saving.register_keras_serializable(package="nnspec")
class RMSpropEpsilonOutsideSqrt(keras.optimizers.RMSprop):
    """Keras RMSprop with torch.optim.RMSprop's ``lr * g / (sqrt(ms) + eps)``."""

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        velocity = self._velocities[self._get_variable_index(variable)]
        rho = self.rho
        self.assign(
            velocity,
            ops.add(ops.multiply(rho, velocity), ops.multiply(1 - rho, ops.square(gradient))),
        )
        spread = velocity
        if self.centered:
            average_grad = self._average_gradients[self._get_variable_index(variable)]
            self.assign(
                average_grad,
                ops.add(ops.multiply(rho, average_grad), ops.multiply(1 - rho, gradient)),
            )
            spread = velocity - ops.square(average_grad)
        increment = ops.divide(ops.multiply(lr, gradient), ops.add(ops.sqrt(spread), self.epsilon))
        if self.momentum > 0:
            momentum = self._momentums[self._get_variable_index(variable)]
            self.assign(momentum, ops.add(ops.multiply(self.momentum, momentum), increment))
            self.assign_sub(variable, momentum)
        else:
            self.assign_sub(variable, increment)


@keras.saving.register_keras_serializable(package="nnspec")
class AdagradEpsilonOutsideSqrt(keras.optimizers.Adagrad):
    """Keras Adagrad with torch.optim.Adagrad's ``lr * g / (sqrt(acc) + eps)``."""

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        accumulator = self._accumulators[self._get_variable_index(variable)]
        self.assign_add(accumulator, ops.square(gradient))
        self.assign_sub(
            variable,
            ops.divide(ops.multiply(lr, gradient), ops.add(ops.sqrt(accumulator), self.epsilon)),
        )


# spec optimizer name -> (the flag, the class that honours it)
TORCH_PLACEMENT = {
    "adam": ("epsilon_after_bias_correction", AdamEpsilonAfterBiasCorrection),
    "adamw": ("epsilon_after_bias_correction", AdamWEpsilonAfterBiasCorrection),
    "rmsprop": ("epsilon_outside_sqrt", RMSpropEpsilonOutsideSqrt),
    "adagrad": ("epsilon_outside_sqrt", AdagradEpsilonOutsideSqrt),
}
