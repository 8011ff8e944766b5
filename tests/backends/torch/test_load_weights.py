"""Building the module costs no copy and no initialisation: it is made on the meta device and
takes the generator's arrays as its tensors (backends/torch/build.py), giving the numbers
PyTorch's own ``load_state_dict`` gives; and the pieces of the generator that used to walk
whole files (imports, runtime helpers) say the same as the walk did."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from helpers import random_params

from nnspec.backends.codegen_common import used_names
from nnspec.backends.torch import codegen
from nnspec.backends.torch.build import construct, instantiate, load_weights
from nnspec.backends.torch.codegen import generate, runtime_functions
from nnspec.spec.errors import ConversionError
from nnspec.spec.io import loads

EXAMPLES = Path(__file__).parents[3] / "examples"

CNN = """
nnspec: 1
name: small_cnn
inputs:
  image: {shape: [batch, 8, 8, 3]}
nodes:
  - {op: conv2d, name: conv, filters: 4, kernel_size: 3}
  - {op: batch_norm, name: bn}
  - {op: flatten, name: flat}
  - {op: dense, name: logits, units: 2}
"""


def _spec(text: str):
    spec = loads(textwrap.dedent(text))
    spec.params = random_params(spec, 0)
    return spec


@pytest.fixture(params=["cnn", "cnn_lstm"])
def source(request):
    spec = (
        _spec(CNN)
        if request.param == "cnn"
        else loads(EXAMPLES.joinpath("cnn_lstm.yaml").read_text())
    )
    if request.param != "cnn":
        spec.params = random_params(spec, 1)
    return spec, generate(spec)


def test_the_module_is_made_on_the_meta_device(source):
    _, src = source
    module = construct(src)
    tensors = [*module.parameters(), *module.buffers()]
    assert tensors and all(t.device.type == "meta" for t in tensors)  # nothing allocated


def test_the_module_holds_the_generated_arrays_and_none_of_the_spec(source):
    spec, src = source
    module = instantiate(src)
    state = module.state_dict()
    assert state.keys() == src.state_dict.keys()
    for key, tensor in state.items():
        array = src.state_dict[key]
        assert tensor.data_ptr() == array.ctypes.data, key  # handed over, not copied
        assert not any(np.shares_memory(array, p) for p in spec.params.values()), key


def test_same_numbers_as_load_state_dict_and_parameters_train(source):
    """Against PyTorch's own load on a CPU-built module, on two different inputs; an RNN's
    flat weights see the new parameters, batch norm keeps its statistics buffers."""
    spec, src = source
    ours = instantiate(src)
    namespace: dict = {}
    exec(compile(src.source, "<reference>", "exec"), namespace)  # noqa: S102
    reference = namespace[src.class_name]()
    reference.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in src.state_dict.items()})
    reference.eval()
    shape = [2 if d == "batch" else d for d in spec.inputs[next(iter(spec.inputs))].shape]
    rng = np.random.default_rng(3)
    for _ in range(2):
        x = torch.from_numpy(rng.normal(size=shape).astype("float32"))
        with torch.no_grad():
            torch.testing.assert_close(ours(x), reference(x), rtol=1e-5, atol=1e-6)

    def grads(module):  # which parameters train (the generated __init__ freezes some)
        return {k: (p.requires_grad, p.numel()) for k, p in module.named_parameters()}

    assert grads(ours) == grads(reference) and grads(ours)


def test_wrong_weights_are_refused_by_name():
    src = generate(_spec(CNN))
    for state, match in [
        ({k: v for k, v in src.state_dict.items() if k != "logits.bias"}, "missing.*logits.bias"),
        ({**src.state_dict, "extra": np.zeros(1, "float32")}, "unexpected.*extra"),
        ({**src.state_dict, "logits.bias": np.zeros(3, "float32")}, "'logits.bias' has shape"),
    ]:
        with pytest.raises(ConversionError, match=match):
            load_weights(construct(src), state)


def test_a_module_with_its_own_loading_logic_is_loaded_by_pytorch():
    src = generate(_spec(CNN))
    module = construct(src)
    seen = []
    module.logits.register_load_state_dict_pre_hook(lambda *args: seen.append(args[2]))
    load_weights(module, src.state_dict)
    assert seen == ["logits."]  # PyTorch's load_state_dict ran the hook
    assert module.logits.weight.data_ptr() == src.state_dict["logits.weight"].ctypes.data


def test_used_names_are_module_level_reads_only():
    code = "def f(F, x):\n    torch = x\n    return F(x) + x.F + torch + self.torch + nn.relu(x)\n"
    assert {"torch", "F"}.isdisjoint(used_names(code))  # a local, an argument, attributes
    assert "nn" in used_names(code)
    assert {"torch", "F"} <= used_names(
        "y = [F.relu(t) for t in xs]\nclass A(torch.nn.Module): pass"
    )


def test_runtime_functions_are_their_source_segments():
    path = Path(codegen.__file__).with_name("runtime.py")
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    expected = {
        n.name: ast.get_source_segment(text, n) for n in tree.body if isinstance(n, ast.FunctionDef)
    }
    assert runtime_functions() == expected
