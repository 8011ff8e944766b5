"""Spec -> Keras. ``emit_source`` needs no keras; ``build`` imports it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from nnspec.spec.extras import framework_import

if TYPE_CHECKING:
    import keras

    from nnspec.spec.model import Model


def emit_source(model: Model) -> str:
    from .codegen import generate

    return generate(model).source


def build_model(model: Model, *, seed: int | None = 0) -> keras.Model:
    with framework_import("building a Keras model"):
        from .build import instantiate
    from .codegen import generate

    built = instantiate(generate(model, seed=seed))
    if model.training is not None:  # compiled as the spec's training section says
        from .training import compile_like_spec

        compile_like_spec(built, model)
    return built
