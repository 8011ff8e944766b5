"""``gc_paused`` turns automatic collection off inside and restores what it found, whatever
happens inside (a conversion that raises must not leave a process without its collector)."""

from __future__ import annotations

import gc

import pytest

from nnspec._gc import gc_paused


@pytest.fixture(autouse=True)
def _restore_gc():
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_off_inside_and_back_on_after():
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested: the inner one leaves it off for the outer
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_after_an_error():
    gc.enable()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("a conversion that fails")
    assert gc.isenabled()


def test_left_off_when_it_was_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
