"""Broken legacy files: one line naming the file, the layer and what is wrong; exit 1;
nothing written."""

from __future__ import annotations

import json
import shutil

import h5py
import numpy as np

from nnspec.cli import main


def _convert(src, tmp_path, capsys) -> str:
    out = tmp_path / "out"
    assert main(["convert", str(src), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err.strip()
    assert err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir()), "a failed conversion wrote files"
    assert str(src) in err
    return err


def test_truncated_hdf5(fixtures, tmp_path, capsys):
    data = (fixtures / "cnn.h5").read_bytes()
    src = tmp_path / "cut.h5"
    src.write_bytes(data[: len(data) // 2])
    err = _convert(src, tmp_path, capsys)
    assert "truncated or damaged" in err and len(err.splitlines()) == 1


def test_unknown_class(fixtures, tmp_path, capsys):
    src = tmp_path / "unknown.h5"
    shutil.copy(fixtures / "cnn.h5", src)
    with h5py.File(src, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        config["config"]["layers"][2]["class_name"] = "FancyConv"
        f.attrs["model_config"] = json.dumps(config)
    err = _convert(src, tmp_path, capsys)
    name = config["config"]["layers"][2]["config"]["name"]
    assert f"{name!r} (FancyConv)" in err and "unknown class" in err


def test_weight_shape_contradicts_config(fixtures, tmp_path, capsys):
    src = tmp_path / "shapes.h5"
    shutil.copy(fixtures / "cnn.h5", src)
    with h5py.File(src, "r+") as f:
        group = f["model_weights"]
        layer = next(n for n in group.attrs["layer_names"] if "dense" in str(n))
        layer = layer.decode() if isinstance(layer, bytes) else str(layer)
        key = next(
            (n.decode() if isinstance(n, bytes) else str(n))
            for n in group[layer].attrs["weight_names"]
            if "kernel" in str(n)
        )
        shape = group[layer][key].shape
        del group[layer][key]
        group[layer][key] = np.zeros((shape[0] + 1, shape[1]), "float32")
    err = _convert(src, tmp_path, capsys)
    assert f"layer {layer!r}" in err and "shape" in err and str((shape[0] + 1, shape[1])) in err


def test_saved_model_without_variables(fixtures, tmp_path, capsys):
    src = tmp_path / "sm"
    shutil.copytree(fixtures / "nested_shared_sm", src)
    shutil.rmtree(src / "variables")
    err = _convert(src, tmp_path, capsys)
    assert "no variables" in err


def test_saved_model_without_keras_metadata(fixtures, tmp_path, capsys):
    src = tmp_path / "sm"
    shutil.copytree(fixtures / "nested_shared_sm", src)
    (src / "keras_metadata.pb").unlink()
    err = _convert(src, tmp_path, capsys)
    assert "no keras_metadata.pb" in err and "does not run saved graphs" in err


def test_lambda_cli(fixtures, tmp_path, capsys):
    err = _convert(fixtures / "with_lambda.h5", tmp_path, capsys)
    assert "'scale' (Lambda)" in err and "Rescaling" in err


def test_saved_model_with_some_variables_missing(fixtures, tmp_path, capsys):
    """The checkpoint rewritten without one kernel: the line names that layer."""
    import tensorflow as tf

    src = tmp_path / "sm"
    shutil.copytree(fixtures / "nested_shared_sm", src)
    prefix = str(src / "variables" / "variables")
    reader = tf.train.load_checkpoint(prefix)
    keys = sorted(reader.get_variable_to_shape_map())
    dropped = "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"  # layer 'shared'
    assert dropped in keys
    kept = [k for k in keys if k != dropped]
    tensors = [reader.get_tensor(k) for k in kept]
    shutil.rmtree(src / "variables")
    (src / "variables").mkdir()
    tf.raw_ops.SaveV2(
        prefix=prefix, tensor_names=kept, shape_and_slices=[""] * len(kept), tensors=tensors
    )
    err = _convert(src, tmp_path, capsys)
    assert len(err.splitlines()) == 1
    assert "layer 'shared'" in err and "missing from the SavedModel's variables" in err
