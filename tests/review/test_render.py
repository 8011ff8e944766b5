"""`nnspec render`: Mermaid and DOT for every example and a zoo model; SVG and PNG through
Graphviz; a clear message without it."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import pytest
from review_specs import BASE, EXAMPLES

from nnspec.cli import main
from nnspec.render import clusters_of, to_dot, to_mermaid
from nnspec.spec.io import load, loads

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")


def edges_of(model) -> int:
    return sum(len(n.inputs or ()) for n in model.nodes)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_render_as_mermaid_and_dot(path):
    model = load(path, weights=False)
    mermaid = to_mermaid(model)
    assert mermaid.startswith("flowchart TD\n")
    assert len(re.findall(r"^\s+n\d+\[", mermaid, re.MULTILINE)) == len(model.nodes)
    assert mermaid.count(" --> ") + mermaid.count(" -->|") == edges_of(model)
    dot = to_dot(model)
    assert len(re.findall(r"^\s+n\d+ \[label=", dot, re.MULTILINE)) == len(model.nodes)
    assert len(re.findall(r"^\s+\w+ -> \w+", dot, re.MULTILINE)) == edges_of(model)


def test_box_shows_op_attributes_shape_and_params():
    dot = to_dot(loads(BASE))
    assert (
        'n2 [label="conv2\\nconv2d: filters=64, kernel_size=3x3, activation=relu\\n'
        '(batch, 11, 11, 64)\\n18,496 params"' in dot
    )
    assert "peripheries=2" in dot.split("n5 [", 1)[1].split("\n")[0]  # the output
    mermaid = to_mermaid(loads(BASE))
    assert 'n5["<b>probs</b><br/>dense: units=10, activation=softmax<br/>(batch, 10)' in mermaid


def test_clusters_by_name_prefix():
    names = [
        f"conv2_block{b}_{k}_{part}" for b in (1, 2) for k in (1, 2) for part in ("conv", "bn")
    ]
    names += ["stem", "head_dense"]
    clusters = clusters_of(names)
    assert clusters["conv2_block1_1_conv"] == ("conv2", "conv2_block1")
    assert clusters["stem"] == () and clusters["head_dense"] == ()


def test_quotes_in_names_cannot_break_the_output():
    model = loads(
        BASE.replace("name: probs", 'name: "pro\\"bs<br>"').replace("[probs]", "['pro\"bs<br>']")
    )
    assert 'pro\\"bs<br>' in to_dot(model)
    assert "pro#quot;bs#lt;br#gt;" in to_mermaid(model)


@needs_dot
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_svg_and_png(tmp_path, fmt, capsys):
    out = tmp_path / f"net.{fmt}"
    spec = tmp_path / "net.yaml"
    spec.write_text(BASE)
    assert main(["render", str(spec), "-o", str(out)]) == 0
    data = out.read_bytes()
    if fmt == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    else:
        titles = [e.text for e in ET.fromstring(data).iter("{http://www.w3.org/2000/svg}title")]
        assert {"n0", "n5", "i0"} <= set(titles)


def test_missing_graphviz_is_one_line(tmp_path, monkeypatch, capsys):
    spec = tmp_path / "net.yaml"
    spec.write_text(BASE)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["render", str(spec), "--format", "svg", "-o", str(tmp_path / "x.svg")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("nnspec render: error: Graphviz's `dot` is not installed")
    assert len(err.splitlines()) == 1 and not (tmp_path / "x.svg").exists()


def test_invalid_spec_is_refused_by_node(tmp_path, capsys):
    spec = tmp_path / "net.yaml"
    spec.write_text(
        BASE.replace("pool_size: 2}\n  - {op: flatten", "pool_size: 20}\n  - {op: flatten")
    )
    assert main(["render", str(spec)]) == 1
    assert "node 'pool2' (max_pool2d), attribute 'pool_size'" in capsys.readouterr().err


def test_zoo_model_resnet50_is_clustered(tmp_path):
    keras = pytest.importorskip("keras")
    import nnspec

    model = nnspec.from_keras(keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3)))
    dot = to_dot(model)
    assert len(re.findall(r"^\s+n\d+ \[label=", dot, re.MULTILINE)) == len(model.nodes) > 170
    labels = re.findall(r'label="(conv\d(?:_block\d+)?)"; style=', dot)
    assert labels[:3] == ["conv1", "conv2", "conv2_block1"]
    assert {f"conv{s}" for s in (2, 3, 4, 5)} <= set(labels)
    assert sum(label.startswith("conv4_block") for label in labels) == 6  # ResNet50: 6 blocks
    if shutil.which("dot"):
        from nnspec.render import run_dot

        svg = run_dot(dot, "svg")
        titles = [e.text for e in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}title")]
        assert sum(t.startswith("n") for t in titles if "->" not in t) == len(model.nodes)
