"""Spec -> Keras. ``emit_source`` needs no keras; ``build`` imports it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnspec.spec.model import Model


def emit_source(model: Model) -> str:
    from .codegen import generate

    return generate(model).source


def build_model(model: Model):
    from .build import instantiate
    from .codegen import generate

    return instantiate(generate(model))
