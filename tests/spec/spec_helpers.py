"""Helpers shared by the spec tests (fixtures are in conftest.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import random_params

from nnspec.spec.io import loads

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))


def model_with_params(text: str, seed: int = 0):
    model = loads(textwrap.dedent(text))
    model.params = random_params(model, seed)
    return model
