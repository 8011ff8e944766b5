import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, str(Path(__file__).parent))  # tests/helpers.py

import pytest

# Suites whose converted models must reload and be compared on two inputs.
_CONVERTING = ("parity", "frontends", "zoo")


@pytest.fixture(autouse=True)
def every_converted_model_reloads_and_is_checked_on_two_inputs(request, tmp_path_factory):
    """For each test of the parity, frontend and zoo suites: every model that
    ``nnspec.from_keras`` / ``nnspec.from_torch`` converted saves, reloads and validates, and
    every parity run in it compared a second input that differs from the first."""
    parts = request.node.path.relative_to(Path(__file__).parent).parts
    if parts[0] not in _CONVERTING:
        yield
        return
    import helpers

    import nnspec

    converted = []
    originals = {name: getattr(nnspec, name) for name in ("from_keras", "from_torch")}

    def recording(fn):
        def convert(*args, **kwargs):
            spec = fn(*args, **kwargs)
            converted.append(spec)
            return spec

        return convert

    for name, fn in originals.items():
        setattr(nnspec, name, recording(fn))
    helpers.RUNS.clear()
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(nnspec, name, fn)
    for k, spec in enumerate(converted):
        helpers.assert_reloads(spec, tmp_path_factory.mktemp(f"reload{k}"))
    same = [k for k, (first, second) in enumerate(helpers.RUNS) if first == second]
    assert not (converted and same), (
        f"parity run(s) {same} compared the same input twice: give random inputs "
        "(helpers.second_input keeps zeros and booleans)"
    )
