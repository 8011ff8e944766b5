"""The registration API lets a user add an op with its Keras and PyTorch mappings."""

from typing import Literal

import numpy as np
import pytest
from helpers import assert_close, run_keras, run_torch

import nnspec
from nnspec.spec import Node
from nnspec.spec.ops import catalog, unregister_op

SPEC = """
nnspec: 1
name: cubes
inputs: {x: {shape: [batch, 3]}}
nodes:
  - {op: cube}
  - {op: dense, units: 2}
"""


@pytest.fixture
def cube_op():
    from nnspec.backends.keras.registry import REGISTRY as KERAS
    from nnspec.backends.keras.registry import converter as keras_converter
    from nnspec.backends.torch.registry import REGISTRY as TORCH
    from nnspec.backends.torch.registry import converter as torch_converter

    @nnspec.register_op
    class Cube(Node):
        op: Literal["cube"] = "cube"

        def infer(self, x):
            return x

    @torch_converter(Cube)
    def cube(node, ctx):
        return f"{ctx.x} * {ctx.x} * {ctx.x}"

    @keras_converter(Cube)
    def cube_keras(node, ctx):
        return f"ops.power({ctx.x}, 3)"

    yield Cube
    unregister_op("cube")
    TORCH.converters.pop(Cube)
    KERAS.converters.pop(Cube)


def test_registered_op_builds_in_both_frameworks(cube_op):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    model = nnspec.loads(SPEC)
    assert "cube" in catalog()
    x = [np.random.default_rng(0).normal(size=(4, 3)).astype("float32")]
    assert_close(run_keras(nnspec.to_keras(model), x), run_torch(nnspec.to_torch(model), x))


def test_registering_twice_is_an_error(cube_op):
    with pytest.raises(ValueError, match="already registered"):
        nnspec.register_op(cube_op)


def test_unknown_op_is_a_schema_error_without_registration():
    with pytest.raises(nnspec.SpecError, match="unknown op 'cube'"):
        nnspec.loads(SPEC)


# --- Adding a built-in op touches only its own files ------------------------------------------
# A sample op written as a contributor would: the op module, one converter module per backend
# (its samples are its tests). They go into temporary folders added to the packages' search
# paths, so nothing in the repository is edited; everything else must pick the op up.

SAMPLE_FILES = {
    "nnspec.spec.ops": '''
"""``y = factor * x``: a sample op (tests/test_register_op.py)."""

from typing import Literal

from pydantic import Field

from nnspec.spec.node import Node, Sample
from nnspec.spec.types import TensorType


class SampleScale(Node):
    """``y = factor * x``, element by element."""

    op: Literal["sample_scale"] = "sample_scale"
    factor: float = Field(2.0, description="What every element is multiplied by.")

    def infer(self, x: TensorType) -> TensorType:
        return x


OPS = (SampleScale,)


def samples():
    yield Sample("basic", dict(factor=3.0), inputs=[(2, 5)])
    yield Sample("image", dict(factor=-0.5), inputs=[(1, 4, 4, 3)])
''',
    "nnspec.backends.torch.ops": """
from nnspec.backends.codegen_common import literal
from nnspec.backends.torch.layout import elementwise
from nnspec.backends.torch.registry import converter
from nnspec.spec.ops.sample_scale import SampleScale


@converter(SampleScale, layout=elementwise)
def sample_scale(node, ctx):
    return f"{ctx.x} * {literal(node.factor)}"
""",
    "nnspec.backends.keras.ops": """
from nnspec.backends.codegen_common import literal
from nnspec.backends.keras.registry import converter
from nnspec.spec.ops.sample_scale import SampleScale


@converter(SampleScale)
def sample_scale(node, ctx):
    return f"ops.multiply({ctx.x}, {literal(node.factor)})"
""",
}


@pytest.fixture
def sample_op(tmp_path):
    import importlib
    import sys

    from nnspec.backends.keras.registry import REGISTRY as KERAS
    from nnspec.backends.torch.registry import REGISTRY as TORCH
    from nnspec.spec import ops

    paths = {}
    for k, (package, text) in enumerate(SAMPLE_FILES.items()):
        folder = tmp_path / f"pkg{k}"
        folder.mkdir()
        (folder / "sample_scale.py").write_text(text.lstrip(), encoding="utf-8")
        paths[package] = str(folder)
        importlib.import_module(package).__path__.append(str(folder))
    ops.reset()
    TORCH.reload()
    KERAS.reload()
    yield ops.op_class("sample_scale")
    for package, folder in paths.items():
        importlib.import_module(package).__path__.remove(folder)
        sys.modules.pop(f"{package}.sample_scale", None)
    for registry in (TORCH, KERAS):
        for cls in [c for c in registry.converters if c.tag() == "sample_scale"]:
            registry.converters.pop(cls)
            registry.layouts.pop(cls, None)
        registry.unsupported.pop("sample_scale", None)
    ops.reset()


def test_a_new_op_module_is_in_the_catalog_without_a_list(sample_op):
    from nnspec.spec import gen_index
    from nnspec.spec.model import Model

    assert catalog()["sample_scale"] is sample_op
    assert gen_index.tag_index()["sample_scale"] == "sample_scale"
    # The committed index lacks it: the op is found all the same, and the check says stale.
    assert gen_index.main(["--check"]) == 1
    model = Model.model_validate(
        {"inputs": {"x": {"shape": ["batch", 3]}}, "nodes": [{"op": "sample_scale"}]}
    )
    assert model.nodes[0].factor == 2.0


def test_the_schema_and_the_op_reference_pick_it_up(sample_op):
    from nnspec.spec import gen_docs, gen_schema

    mapping = gen_schema.schema()["properties"]["nodes"]["items"]["discriminator"]["mapping"]
    assert "sample_scale" in mapping
    assert gen_schema.main(["--check"]) == 1  # the committed schema is stale now
    section = gen_docs.render().split("## `sample_scale`\n", 1)[1].split("\n## ", 1)[0]
    assert "``y = factor * x``, element by element." in section
    assert "| `factor` | float | `2.0` | What every element is multiplied by. |" in section
    assert "Converters: PyTorch backend; Keras backend." in section
    assert gen_docs.main(["--check"]) == 1


def test_both_backends_coverage_checks_pick_it_up(sample_op):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    from nnspec.backends.keras.registry import REGISTRY as KERAS
    from nnspec.backends.torch.registry import REGISTRY as TORCH

    for registry in (TORCH, KERAS):
        assert sample_op in registry.supported()
        assert registry.coverage_problems(catalog()) == []
    # Without its Keras converter the op fails Keras' check, until a reason is given...
    fn = KERAS.converters.pop(sample_op)
    where = "nnspec.backends.keras.registry.UNSUPPORTED"
    assert KERAS.coverage_problems(catalog()) == [
        f"op 'sample_scale' has no Keras converter and no reason in {where}"
    ]
    KERAS.unsupported["sample_scale"] = "Keras has no scaling layer"
    assert KERAS.coverage_problems(catalog()) == []
    model = nnspec.loads("inputs: {x: {shape: [batch, 3]}}\nnodes: [{op: sample_scale}]\n")
    with pytest.raises(nnspec.SpecError, match="does not support op 'sample_scale': Keras has no"):
        nnspec.to_keras(model)
    # ...and a reason listed for an op that has a converter is an error too.
    KERAS.converters[sample_op] = fn
    assert KERAS.coverage_problems(catalog()) == [
        f"op 'sample_scale' has a Keras converter but is listed in {where}"
    ]


def test_the_parity_suite_picks_up_its_samples(sample_op):
    import importlib.util
    from pathlib import Path

    pytest.importorskip("torch")
    pytest.importorskip("keras")
    path = Path(__file__).parent / "parity" / "test_ops.py"
    spec = importlib.util.spec_from_file_location("parity_test_ops", path)
    parity = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(parity)
    cases = [c.values for c in parity._cases() if c.values[0] == "sample_scale"]
    assert [sample.name for _, sample in cases] == ["basic", "image"]
    for op, sample in cases:
        parity.test_backends_agree(op, sample)
