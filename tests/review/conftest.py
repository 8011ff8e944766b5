"""Fixtures of the review tests."""

from __future__ import annotations

import pytest
from review_specs import BASE, CHANGED


@pytest.fixture
def pair(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(BASE)
    b.write_text(CHANGED)
    return a, b
