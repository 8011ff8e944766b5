"""Valid spec names never break the generated module (issue 9, "Generated code broken by
valid names"): names the file uses, nn.Module's own attributes, mangled and unicode names."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest
from helpers import assert_close, random_inputs, random_params, run_torch

import nnspec
from nnspec.backends.codegen_common import file_stem
from nnspec.backends.torch.reserved import MODULE_ATTRIBUTES
from nnspec.spec.model import InputSpec, Model
from nnspec.spec.ops.activation import Activation
from nnspec.spec.ops.conv import Conv2D
from nnspec.spec.ops.dense import Dense
from nnspec.spec.ops.merge import Add

torch = pytest.importorskip("torch")

AWKWARD = [
    "forward",
    "training",
    "load_state_dict",
    "__hidden",
    "__init__",
    "_",
    "self",
    "F",
    "torch",
    "nn",
    "NODE_IDS",
    "same_pad",
    "café",
    "two words",
    "ｆｕｌｌｗｉｄｔｈ",
    "fullwidth",
    "class",
    "1x1",
]


def test_reserved_attributes_cover_nn_module():
    # In a fresh interpreter: other tests' libraries (onnx export) add attributes at run time.
    code = "import torch; print(sorted(dir(torch.nn.Module)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert set(ast.literal_eval(out.stdout)) <= set(MODULE_ATTRIBUTES)


def _chain(model_name: str, names: list[str]) -> Model:
    nodes = []
    for k, name in enumerate(names):
        if k % 3 == 0:
            nodes.append(Conv2D(name=name, filters=2, kernel_size=(3, 3), padding="same"))
        elif k % 3 == 1:
            nodes.append(Activation(name=name, activation="tanh"))
        else:
            nodes.append(Add(name=name, inputs=[names[k - 1], names[k - 2]]))
    nodes.append(Dense(name="head" if "head" not in names else "head_", units=3))
    return Model(
        name=model_name, inputs={"image": InputSpec(shape=["batch", 5, 5, 2])}, nodes=nodes
    )


@pytest.mark.parametrize("model_name", ["F", "torch", "nn", "forward", "café"])
def test_awkward_names_build_and_compute_the_same(model_name):
    awkward = _chain(model_name, AWKWARD)
    plain = _chain("plain", [f"n{k}" for k in range(len(AWKWARD))])
    awkward.params = random_params(awkward)
    rename = {a: f"n{i}" for i, a in enumerate(AWKWARD)} | {"head": "head"}
    plain.params = {}
    for key, value in awkward.params.items():
        node, param = key.rsplit("/", 1)
        plain.params[f"{rename[node]}/{param}"] = value
    x = random_inputs(plain, [(2, 5, 5, 2)])
    module = nnspec.to_torch(awkward)
    assert isinstance(module, torch.nn.Module)
    assert callable(module.forward) and callable(module.load_state_dict)
    module.train()  # `training` is still the flag, not a submodule
    module.eval()
    assert_close(run_torch(nnspec.to_torch(plain), x), run_torch(module, x), 1e-6)
    # The state dict saved with it loads into a fresh instance of the class.
    fresh = type(module)()
    fresh.load_state_dict(module.state_dict())


@pytest.mark.parametrize(
    "name, stem",
    [("torch", "torch_model"), ("F", "F"), ("os", "os_model"), ("café", "caf"), ("a b", "a_b")],
)
def test_file_names_never_shadow_modules(name, stem):
    assert file_stem(name) == stem
