"""Generated source: valid Python, deterministic, and safe whatever the node names are."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from helpers import assert_close, random_params, run_keras, run_torch

import nnspec
from nnspec.backends.codegen_common import literal
from nnspec.spec.model import InputSpec, Model
from nnspec.spec.names import Namespace
from nnspec.spec.ops.conv import Conv2D
from nnspec.spec.ops.dense import Dense

CANARY = Path("/tmp/nnspec-codegen-canary")
HOSTILE = [
    "conv'); open('/tmp/nnspec-codegen-canary', 'w'); ('",
    'dense"\nimport os\nos.system("touch /tmp/nnspec-codegen-canary")\n#',
    "__import__('os').system('touch /tmp/nnspec-codegen-canary')",
]


def _model(names: list[str]) -> Model:
    return Model(
        name="weird\nname'",
        inputs={names[0]: InputSpec(shape=["batch", 6, 6, 2])},
        nodes=[
            Conv2D(name=names[1], filters=3, kernel_size=(3, 3), padding="same", activation="relu"),
            Dense(name=names[2], units=4),
        ],
    )


def test_namespace_sanitises_and_deduplicates():
    ns = Namespace(["self"], identifiers=True)
    assert [ns.name(s) for s in ("conv-1", "class", "1x1", "conv-1", "self", "")] == [
        "conv_1",
        "class_1",
        "_1x1",
        "conv_1_1",
        "self_1",
        "_",
    ]


def test_literal_refuses_objects():
    assert literal((1, 2.5, "a'b", None, float("inf"))) == '(1, 2.5, "a\'b", None, float("inf"))'
    with pytest.raises(TypeError):
        literal(object())


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_hostile_names_never_execute(framework):
    pytest.importorskip(framework)
    CANARY.unlink(missing_ok=True)
    hostile = _model(["x'\n", HOSTILE[0], HOSTILE[1]])
    plain = _model(["x", "conv", "dense"])
    hostile.params = random_params(hostile)
    plain.params = {
        k.replace(HOSTILE[0], "conv").replace(HOSTILE[1], "dense"): v
        for k, v in hostile.params.items()
    }
    source = nnspec.emit(hostile, framework)
    tree = ast.parse(source)
    imported = {
        a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert "os" not in imported
    calls = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert not calls & {"open", "__import__", "exec", "eval"}
    x = [np.random.default_rng(0).normal(size=(2, 6, 6, 2)).astype("float32")]
    if framework == "torch":
        got, want = run_torch(nnspec.to_torch(hostile), x), run_torch(nnspec.to_torch(plain), x)
    else:
        got, want = run_keras(nnspec.to_keras(hostile), x), run_keras(nnspec.to_keras(plain), x)
    assert not CANARY.exists()
    assert_close(want, got, 1e-6)


@pytest.mark.parametrize("framework", ["torch", "keras"])
def test_source_is_deterministic(framework):
    m = _model(["x", "conv", "dense"])
    assert nnspec.emit(m, framework) == nnspec.emit(m.model_copy(deep=True), framework)


def test_torch_source_reads_like_hand_written_code():
    source = nnspec.emit(_model(["image", "conv1", "logits"]), "torch")
    assert "self.conv1 = nn.Conv2d(2, 3, kernel_size=3, padding=1)" in source
    # one local, x, rebound along the chain; the returned value keeps its node's name
    assert "x = image.permute(0, 3, 1, 2)" in source
    assert "x = F.relu(self.conv1(x), inplace=True)" in source
    assert "x = x.permute(0, 2, 3, 1)" in source  # Dense reads channels-last
    assert "logits = self.logits(x)" in source
    assert "def forward(self, image):" in source
    assert "return logits" in source
    compile(source, "<generated>", "exec")
