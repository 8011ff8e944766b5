"""Fuzzing the file boundary: hostile spec text, spec data, weights files and model files.

Every case either succeeds or raises the project's own :class:`SpecError`; nothing else
(no framework traceback, no RecursionError, no hang, no crash), each case within a time
bound and the whole test within a memory bound. A few hundred cases run by default; the
``slow`` variants run 10,000 in all (``python -m pytest -m slow tests/fuzz``).
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import model_file_bytes, spec_trees, weights_files, yaml_files

from nnspec.spec.errors import SpecError
from nnspec.spec.io import from_dict, load, loads

CASE_SECONDS = 10.0  # CPU seconds one case may take (a valid conversion takes well under one)
GROWTH_BYTES = 1 << 30  # how much a test's peak memory may grow over all its cases

SETTINGS = dict(
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture(autouse=True)
def memory_bound():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    yield
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert grown < GROWTH_BYTES, f"peak memory grew by {grown / 2**20:.0f} MiB"


def bounded(action) -> str:
    """Run ``action``: "ok", or the SpecError subclass it raised; anything else fails."""
    started = time.process_time()
    try:
        action()
        outcome = "ok"
    except SpecError as e:
        assert str(e), "an error without a message"
        outcome = type(e).__name__
    took = time.process_time() - started
    assert took < CASE_SECONDS, f"took {took:.1f} s of CPU"
    return outcome


def fuzz(examples: int, slow_examples: int, **strategy):
    """Two tests from one body: ``examples`` cases by default, ``slow_examples`` under -m slow."""

    def make(body):
        fast = settings(max_examples=examples, **SETTINGS)(given(**strategy)(body))
        slow = settings(max_examples=slow_examples, **SETTINGS)(given(**strategy)(body))
        return fast, pytest.mark.slow(slow)

    return make


def _spec_then_convert(path: Path, out: Path) -> None:
    from nnspec.convert import convert

    model = load(path)
    model.check()
    convert(path, out, to="spec", check=False, force=True)


def text_body(tmp_path_factory, data: bytes) -> None:
    folder = tmp_path_factory.mktemp("t")
    path = folder / "m.yaml"
    path.write_bytes(data)
    bounded(lambda: _spec_then_convert(path, folder / "out"))


def tree_body(tree, through_yaml: bool) -> None:
    if through_yaml:  # huge integers and deep nesting then meet the YAML reader too
        text = yaml.safe_dump(tree, sort_keys=False)
        bounded(lambda: loads(text, file="fuzz.yaml").check())
    else:
        bounded(lambda: from_dict(tree, file="fuzz.yaml").check())


def weights_body(tmp_path_factory, case) -> None:
    text, blob = case
    folder = tmp_path_factory.mktemp("w")
    (folder / "m.yaml").write_text(text)
    (folder / "w.safetensors").write_bytes(blob)
    bounded(lambda: _spec_then_convert(folder / "m.yaml", folder / "out"))


def _model_file(tmp_path_factory, blob: bytes, suffix: str) -> None:
    pytest.importorskip("keras")
    from nnspec.convert import Progress, read_source

    path = tmp_path_factory.mktemp("k") / f"model{suffix}"
    path.write_bytes(blob)
    bounded(lambda: read_source(path, Progress(False)))


def keras_body(tmp_path_factory, blob: bytes) -> None:
    _model_file(tmp_path_factory, blob, ".keras")


def h5_body(tmp_path_factory, blob: bytes) -> None:
    _model_file(tmp_path_factory, blob, ".h5")


test_yaml_text, test_yaml_text_many = fuzz(150, 3500, data=yaml_files())(text_body)
test_spec_tree, test_spec_tree_many = fuzz(
    150, 3500, tree=spec_trees(), through_yaml=st.booleans()
)(tree_body)
test_weights_file, test_weights_file_many = fuzz(60, 1500, case=weights_files())(weights_body)
test_keras_file, test_keras_file_many = fuzz(15, 1000, blob=model_file_bytes())(keras_body)
test_h5_file, test_h5_file_many = fuzz(10, 500, blob=model_file_bytes())(h5_body)
