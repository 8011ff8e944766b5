"""Input that used to end in a traceback, a hang or a crash: each now gives one SpecError
naming the file and, where there is one, the line (issue 9)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nnspec.cli import main
from nnspec.spec import io
from nnspec.spec.errors import SchemaError, SpecError, WeightsError
from nnspec.spec.io import load, loads
from nnspec.spec.nesting import MAX_DEPTH, depth_bound
from nnspec.spec.weights_file import _widen

DENSE = "nnspec: 1\ninputs:\n  x: {shape: [batch, 4]}\nnodes:\n  - {op: dense, units: 2}\n"


def one_line(capsys, *argv) -> str:
    """Run the CLI; it must exit 1 with one located line (no traceback)."""
    assert main(list(argv)) == 1
    out, err = capsys.readouterr()
    text = (out + err).strip()
    assert "Traceback" not in text and "internal error" not in text, text
    return text


@pytest.mark.parametrize(
    "data, where, what",
    [
        ("name: caf\xe9\n".encode("latin-1"), ":1:10:", "not UTF-8: byte 0xe9"),
        (DENSE.encode("utf-16"), ":1:", "UTF-16"),
    ],
    ids=["latin1", "utf16"],
)
def test_a_spec_that_is_not_utf8(tmp_path, capsys, data, where, what):
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    text = one_line(capsys, "validate", str(path))
    assert f"m.yaml{where}" in text and what in text


def test_a_utf8_byte_order_mark_is_fine(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + DENSE.encode())
    assert load(path).nodes[0].units == 2


def test_an_integer_of_thousands_of_digits():
    with pytest.raises(SchemaError, match=r"<spec>:5:24: .*integer of 5000 digits is too large"):
        loads(DENSE.replace("units: 2", "units: " + "9" * 5000))


def test_a_nul_byte_in_the_weights_path(tmp_path, capsys):
    path = tmp_path / "m.yaml"
    path.write_text(DENSE + 'weights: "a\\0b.safetensors"\n')
    text = one_line(capsys, "validate", str(path))
    assert "m.yaml:6:1: attribute 'weights': weights path 'a\\x00b.safetensors'" in text
    with pytest.raises(WeightsError, match="NUL"):
        load(path)


@pytest.mark.parametrize("special", ["fifo", "dev_zero", "folder"])
def test_only_regular_files_are_read(tmp_path, special):
    """A FIFO used to hang forever, /dev/zero to read without end."""
    path = {"fifo": tmp_path / "f.yaml", "dev_zero": "/dev/zero", "folder": tmp_path}[special]
    if special == "fifo":
        os.mkfifo(path)
    started = time.monotonic()
    with pytest.raises(SchemaError, match="cannot read spec: (not a regular file|a folder)"):
        load(path)
    assert time.monotonic() - started < 5


def test_a_spec_over_the_size_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(io, "MAX_SPEC_BYTES", 50)
    path = tmp_path / "m.yaml"
    path.write_text(DENSE)
    with pytest.raises(SchemaError, match="bytes, more than the 50 a spec may have"):
        load(path)


def test_a_key_given_twice_names_both_lines():
    text = "nnspec: 1\ninputs:\n  x: {shape: [batch, 4]}\nnodes:\n  - {op: dense,\n     units: 3,\n     units: 300}\n"
    with pytest.raises(
        SchemaError, match=r"<spec>:7:6: .*'units' is given twice \(first at line 6, column 6\)"
    ):
        loads(text)


def test_merge_keys_may_still_override():
    model = loads(
        "nnspec: 1\ninputs:\n  x: {shape: [batch, 4]}\nbase: &b {op: dense, units: 3}\n".replace(
            "base", "metadata"
        )
        + "nodes:\n  - {<<: *b, units: 5}\n"
    )
    assert model.nodes[0].units == 5


def test_time_distributed_400_deep(tmp_path, capsys):
    layer = "{op: dense, units: 2}"
    for _ in range(400):
        layer = f"{{op: time_distributed, layer: {layer}}}"
    path = tmp_path / "m.yaml"
    path.write_text(f"nnspec: 1\ninputs:\n  x: {{shape: [batch, 3, 4]}}\nnodes:\n  - {layer}\n")
    assert f"deeper than {MAX_DEPTH} levels" in one_line(capsys, "validate", str(path))
    # Built in Python, past the YAML check: the op's own limit.
    data = {"op": "dense", "units": 2}
    for _ in range(400):
        data = {"op": "time_distributed", "layer": data}
    with pytest.raises(SchemaError, match="nests more than 8 levels"):
        io.from_dict({"inputs": {"x": {"shape": ["batch", 3, 4]}}, "nodes": [data]})


def test_100000_nested_brackets_do_not_crash_the_interpreter(tmp_path):
    """libyaml's composer recursed in C until the process died (SIGSEGV)."""
    path = tmp_path / "m.yaml"
    n = 100_000
    path.write_text(DENSE + "metadata: {a: " + "[" * n + "]" * n + "}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "nnspec", "validate", str(path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert "m.yaml:6:" in proc.stdout and "deeper than" in proc.stdout


def test_an_add_of_10000_inputs_loads_and_validates_quickly():
    text = "nnspec: 1\ninputs:\n  x: {shape: [batch, 4]}\nnodes:\n"
    text += "  - {op: add, inputs: [" + ", ".join(["x"] * 10_000) + "]}\n"
    started = time.process_time()
    model = loads(text)
    assert model.validate_spec().ok
    assert time.process_time() - started < 10


# --- the depth bound never under-estimates -----------------------------------------------


def _depth(data) -> int:
    if isinstance(data, dict):
        return 1 + max((_depth(v) for v in data.values()), default=0)
    if isinstance(data, list):
        return 1 + max((_depth(v) for v in data), default=0)
    return 0


_trees = st.recursive(
    st.one_of(st.integers(-3, 3), st.text("ab]}[{'\" #:-\\", max_size=4)),
    lambda kids: st.one_of(
        st.lists(kids, max_size=3), st.dictionaries(st.text("k]-", max_size=3), kids, max_size=3)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_trees, st.sampled_from([None, False, True]), st.integers(1, 4))
def test_depth_bound_is_an_upper_bound(tree, flow, indent):
    text = yaml.safe_dump(tree, default_flow_style=flow, indent=indent + 1, allow_unicode=True)
    assert depth_bound(text) >= _depth(tree)


# --- weights the numpy loader could not read ----------------------------------------------


def test_bfloat16_and_float8_weights_are_widened_exactly(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    kernel = torch.randn(4, 2).bfloat16()
    bias = torch.tensor([0.5, -3.0]).to(torch.float8_e4m3fn)
    save_file({"dense_1/kernel": kernel, "dense_1/bias": bias}, tmp_path / "w.safetensors")
    path = tmp_path / "m.yaml"
    path.write_text(DENSE + "weights: w.safetensors\n")
    model = load(path)
    assert model.params["dense_1/kernel"].dtype == np.float32
    np.testing.assert_array_equal(model.params["dense_1/kernel"], kernel.float().numpy())
    np.testing.assert_array_equal(model.params["dense_1/bias"], [0.5, -3.0])
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning: attribute 'weights': weight 'dense_1/kernel' is stored as BF16" in out


@pytest.mark.parametrize("dtype, name", [("float8_e4m3fn", "F8_E4M3"), ("float8_e5m2", "F8_E5M2")])
def test_every_float8_code_widens_as_torch_does(dtype, name):
    torch = pytest.importorskip("torch")
    codes = torch.arange(256, dtype=torch.uint8)
    want = codes.view(getattr(torch, dtype)).float().numpy()
    np.testing.assert_array_equal(_widen(codes.numpy().tobytes(), name), want)


def test_nan_and_inf_weights_warn(tmp_path, capsys):
    from safetensors.numpy import save_file

    kernel = np.ones((4, 2), np.float32)
    kernel[0, 0], kernel[1, 1] = np.nan, np.inf
    save_file(
        {"dense_1/kernel": kernel, "dense_1/bias": np.zeros(2, np.float32)},
        tmp_path / "w.safetensors",
    )
    path = tmp_path / "m.yaml"
    path.write_text(DENSE + "weights: w.safetensors\n")
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        "warning: node 'dense_1' (dense): weight 'kernel' holds 1 NaN value and 1 infinite value"
        in out
    )


def test_weights_that_are_not_safetensors(tmp_path):
    (tmp_path / "w.safetensors").write_bytes(b"\x08" + b"\x00" * 7 + b"{bad json")
    path = tmp_path / "m.yaml"
    path.write_text(DENSE + "weights: w.safetensors\n")
    with pytest.raises(SpecError, match="is not a readable safetensors file"):
        load(path)
