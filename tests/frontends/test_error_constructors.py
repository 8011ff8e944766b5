"""frontends/_errors.py: the shapes every frontend refusal takes (no framework needed), and
no frontend module formatting a layer refusal by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from nnspec.frontends._errors import (
    inexpressible,
    refusal,
    unsupported_parts,
    unsupported_setting,
)
from nnspec.spec.errors import ConversionError
from nnspec.spec.ops import catalog

FRONTENDS = Path(__file__).resolve().parents[2] / "frontends"


def test_refusal_names_where_and_files_the_location():
    e = refusal("layer 'c1' (Conv2D)", "dilation is odd", node="c1", attr="dilation", hint="h")
    assert isinstance(e, ConversionError)
    assert e.message == "layer 'c1' (Conv2D): dilation is odd"
    assert (e.node, e.attr) == ("c1", "dilation")
    assert str(e).endswith("hint: h")


def test_unsupported_setting_quotes_the_value():
    e = unsupported_setting("layer 'r' (LSTM)", "stateful", True, "state between batches")
    assert e.message == "layer 'r' (LSTM): stateful=True is not supported (state between batches)"
    assert e.attr == "stateful"
    assert unsupported_setting("w", "mode", "x").message == "w: mode='x' is not supported"


def test_inexpressible_is_one_line_not_pydantic_noise():
    with pytest.raises(ValidationError) as info:
        catalog()["dense"](name="d", inputs=["x"], units=0)
    e = inexpressible("module 'fc' (nn.Linear)", "dense", info.value, node="fc")
    assert "\n" not in e.message
    assert re.fullmatch(
        r"module 'fc' \(nn.Linear\): cannot be written as a 'dense' node "
        r"\(units: .+\)",
        e.message,
    )
    assert "pydantic" not in e.message and "errors.pydantic.dev" not in e.message


def test_unsupported_parts_lists_every_part():
    e = unsupported_parts("model 'm'", "layer", ["'a' (Lambda): code", "'b' (X): none"])
    assert e.message == "model 'm' has 2 unsupported layer(s): 'a' (Lambda): code; 'b' (X): none"


def test_no_frontend_hand_formats_a_refusal():
    """A ``ConversionError(f"layer {...} (...): ...")`` outside the constructors is the old
    hand-formatting; every such message goes through frontends/_errors.py."""
    pattern = re.compile(r"ConversionError\(\s*f\"(layer|operation|module) \{")
    found = [
        str(p.relative_to(FRONTENDS))
        for p in sorted(FRONTENDS.rglob("*.py"))
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert not found, f"hand-formatted refusals in {found}"
